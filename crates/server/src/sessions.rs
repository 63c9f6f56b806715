//! The desks' sessions: which cookie is which clerk, its CSRF token, when its clerk last
//! gave a command, and the answers it may ask for again.
//!
//! Sessions live here, in the server's memory, never in the page: a desk is locked because
//! the server has ended its session, whatever the page shows. A restart of the server ends
//! every session (the clerks log in again); the store keeps everything they saved.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use app::AppError;
use app::office::Session;
use axum::http::StatusCode;

use crate::ServerConfig;

/// A request's standing, from [`Sessions::admit`].
pub(crate) enum Admission {
    /// Refused before anything ran (`NOT_LOGGED_IN`, `DESK_REQUEST_REFUSED`).
    Refused(AppError),
    /// The same idempotency key was answered before: this is that answer.
    Repeat(StatusCode, Vec<u8>),
    /// The same idempotency key is running now (a desk's retry overtook its first send):
    /// wait for its answer rather than run the command a second time.
    InFlight(tokio::sync::watch::Receiver<Option<(StatusCode, Vec<u8>)>>),
    /// The session was idle past the limit and is now ended here; the caller logs it out
    /// of the office (audited) and answers `IDLE_LOCKED`.
    IdleExpired {
        /// The session to log out.
        session: Session,
        /// Its clerk, for the log-in screen.
        username: String,
        /// The limit in minutes.
        minutes: u64,
    },
    /// Go ahead as this clerk.
    Admitted(Session),
}

/// One desk's session.
struct DeskSession {
    session: Session,
    csrf: String,
    last_command: Instant,
    /// Answers by idempotency key, with when they were given.
    answers: HashMap<String, Answer>,
}

/// What a session knows of an idempotency key.
enum Answer {
    /// Admitted and not finished: its answer will be sent on this channel.
    Running(tokio::sync::watch::Sender<Option<(StatusCode, Vec<u8>)>>),
    /// Answered, at this moment.
    Given(Instant, StatusCode, Vec<u8>),
}

/// Every desk's session, by cookie.
pub(crate) struct Sessions {
    config: ServerConfig,
    by_token: Mutex<HashMap<String, DeskSession>>,
}

impl Sessions {
    pub(crate) fn new(config: ServerConfig) -> Sessions {
        Sessions { config, by_token: Mutex::new(HashMap::new()) }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, DeskSession>> {
        self.by_token.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new session for a clerk who just logged in, under a cookie value and CSRF token
    /// from [`new_tokens`].
    pub(crate) fn open(&self, (token, csrf): (String, String), session: Session, now: Instant) {
        let desk = DeskSession { session, csrf, last_command: now, answers: HashMap::new() };
        self.table().insert(token, desk);
    }

    /// Checks a request's session, CSRF token and idle time; an `active` one (a clerk's
    /// command, not a poll) counts as activity. A known idempotency key is answered from
    /// memory.
    pub(crate) fn admit(
        &self,
        token: &str,
        csrf: Option<&str>,
        key: Option<&str>,
        active: bool,
        now: Instant,
    ) -> Admission {
        let mut table = self.table();
        let Some(desk) = table.get_mut(token) else {
            return Admission::Refused(AppError::NotLoggedIn);
        };
        if !csrf.is_some_and(|csrf| same_secret(csrf, &desk.csrf)) {
            return Admission::Refused(AppError::DeskRequestRefused);
        }
        if now.saturating_duration_since(desk.last_command) > self.config.idle_limit {
            if let Some(desk) = table.remove(token) {
                let username = desk.session.username().to_owned();
                let minutes = self.config.idle_limit.as_secs() / 60;
                return Admission::IdleExpired { session: desk.session, username, minutes };
            }
            return Admission::Refused(AppError::NotLoggedIn);
        }
        if let Some(key) = key {
            match desk.answers.get(key) {
                Some(Answer::Given(_, status, body)) => return Admission::Repeat(*status, body.clone()),
                Some(Answer::Running(sender)) => return Admission::InFlight(sender.subscribe()),
                None => {
                    desk.answers.insert(key.to_owned(), Answer::Running(tokio::sync::watch::channel(None).0));
                }
            }
        }
        if active {
            desk.last_command = now;
        }
        Admission::Admitted(desk.session.clone())
    }

    /// The session as the command left it: replaced (a password change) or ended (a
    /// log-out).
    pub(crate) fn put_back(&self, token: &str, session: Option<Session>) {
        let mut table = self.table();
        match session {
            Some(session) => {
                if let Some(desk) = table.get_mut(token) {
                    desk.session = session;
                }
            }
            None => {
                table.remove(token);
            }
        }
    }

    /// Keeps an answer under its idempotency key (and hands it to any retry waiting for
    /// it), and forgets the ones older than the configured time.
    pub(crate) fn remember(&self, token: &str, key: String, status: StatusCode, body: Vec<u8>, now: Instant) {
        let keep_for = self.config.idempotency_for;
        if let Some(desk) = self.table().get_mut(token) {
            desk.answers.retain(|_, answer| match answer {
                Answer::Given(at, _, _) => now.saturating_duration_since(*at) <= keep_for,
                Answer::Running(_) => true,
            });
            if let Some(Answer::Running(sender)) = desk.answers.get(&key) {
                sender.send_replace(Some((status, body.clone())));
            }
            desk.answers.insert(key, Answer::Given(now, status, body));
        }
    }

    /// Whether `token` is a live session (within the idle limit), without counting as
    /// activity: the event stream's check.
    pub(crate) fn alive(&self, token: &str, now: Instant) -> bool {
        self.table()
            .get(token)
            .is_some_and(|desk| now.saturating_duration_since(desk.last_command) <= self.config.idle_limit)
    }

    /// The session behind a cookie and its CSRF token, if it is alive (not counted as
    /// activity).
    pub(crate) fn peek(&self, token: &str, now: Instant) -> Option<(Session, String)> {
        self.table()
            .get(token)
            .filter(|desk| now.saturating_duration_since(desk.last_command) <= self.config.idle_limit)
            .map(|desk| (desk.session.clone(), desk.csrf.clone()))
    }

    /// Ends every session idle past the limit; the caller logs each out of the office.
    pub(crate) fn take_idle(&self, now: Instant) -> Vec<Option<Session>> {
        let limit = self.config.idle_limit;
        let mut table = self.table();
        let idle: Vec<String> = table
            .iter()
            .filter(|(_, desk)| now.saturating_duration_since(desk.last_command) > limit)
            .map(|(token, _)| token.clone())
            .collect();
        idle.iter().filter_map(|token| table.remove(token)).map(|desk| Some(desk.session)).collect()
    }

    /// Ends every session (the server stops).
    pub(crate) fn take_all(&self) -> Vec<Option<Session>> {
        self.table().drain().map(|(_, desk)| Some(desk.session)).collect()
    }
}

/// A new session's cookie value and CSRF token.
pub(crate) fn new_tokens() -> Result<(String, String), AppError> {
    Ok((random_token()?, random_token()?))
}

/// 32 random bytes as hex: a cookie value or a CSRF token.
fn random_token() -> Result<String, AppError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| AppError::Io {
        what: "office server session token",
        source: std::io::Error::other(error.to_string()),
    })?;
    Ok(hex::encode(bytes))
}

/// Compares two tokens without stopping at the first difference.
fn same_secret(given: &str, kept: &str) -> bool {
    given.len() == kept.len()
        && given.bytes().zip(kept.bytes()).fold(0_u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same_secret("abcd", "abcd"));
        assert!(!same_secret("abcd", "abce"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn tokens_are_random_and_long() {
        let (a, b) = (random_token().ok(), random_token().ok());
        assert_eq!(a.as_ref().map(String::len), Some(64));
        assert_ne!(a, b);
    }
}
