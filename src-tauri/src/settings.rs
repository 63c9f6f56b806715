//! Everything the shell takes from its surroundings, read once at start-up: the command
//! line and the environment. No other file of the shell reads either (the workspace tidy
//! test, `tests/tests/tidy.rs`, keeps it so); commands read [`Settings`] from the state.

use std::ffi::OsString;
use std::path::PathBuf;

/// Overrides the data directory (and everything under it); `--data-dir` wins over it.
pub const DATA_DIR_ENV: &str = "PERMIT_DESK_DATA_DIR";
/// Overrides the idle-lock delay in minutes (1–240).
pub const IDLE_LOCK_ENV: &str = "PERMIT_DESK_IDLE_LOCK_MINUTES";
/// Sends print jobs to another CUPS server (`host:port`), e.g. the tests' private one.
pub const CUPS_SERVER_ENV: &str = "PERMIT_DESK_CUPS_SERVER";
/// Overrides the platform's base URL.
pub const PLATFORM_URL_ENV: &str = "PERMIT_DESK_PLATFORM_URL";
/// A one-time enrolment code the device presents on its first sync (demo and tests).
pub const ENROLMENT_CODE_ENV: &str = "PERMIT_DESK_ENROLMENT_CODE";
/// The ID-card reader's serial port (e.g. `/dev/ttyUSB0`) when it cannot be found on its
/// own (several USB-serial devices), and the simulated reader of the end-to-end tests.
pub const IDCARD_PORT_ENV: &str = "PERMIT_DESK_IDCARD_PORT";
/// The vendor's reader library (`libsdtapi.so`) when it is not in /usr/lib or
/// /usr/local/lib.
pub const IDCARD_LIBRARY_ENV: &str = "PERMIT_DESK_IDCARD_LIBRARY";
/// The log filter (tracing's syntax, e.g. `debug` or `app=debug,info`).
pub const LOG_ENV: &str = "PERMIT_DESK_LOG";

/// Minutes without keyboard or mouse activity before the screen locks, unless
/// [`IDLE_LOCK_ENV`] says otherwise.
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 10;
/// The platform's base URL, unless [`PLATFORM_URL_ENV`] says otherwise: the stand-in
/// started by `make run`.
pub const DEFAULT_PLATFORM_URL: &str = "http://127.0.0.1:8787";

/// The installation's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `--data-dir PATH`, else [`DATA_DIR_ENV`]; `None`: the OS data directory.
    pub data_dir: Option<PathBuf>,
    /// Minutes of inactivity before the window locks itself.
    pub idle_lock_minutes: u32,
    /// The CUPS server (`host:port`), from [`CUPS_SERVER_ENV`] or `localhost:631`.
    pub cups_server: (String, u16),
    /// The provincial platform's base URL.
    pub platform_url: String,
    /// The enrolment code for the first sync, if one was given.
    pub enrolment_code: Option<String>,
    /// The operating-system user running the app (`USER`, else `LOGNAME`): print jobs are
    /// submitted as them, and a USB stick is looked for under `/media/USER`.
    pub os_user: Option<String>,
    /// The user's home folder (`HOME`), proposed for transfer files when no stick is in.
    pub home: Option<PathBuf>,
    /// The log filter, from [`LOG_ENV`] or `info`.
    pub log_filter: String,
    /// The ID-card reader's port, from [`IDCARD_PORT_ENV`]; `None`: the USB-serial ports.
    pub idcard_port: Option<PathBuf>,
    /// The vendor's reader library, from [`IDCARD_LIBRARY_ENV`]; `None`: the usual places.
    pub idcard_library: Option<PathBuf>,
}

impl Settings {
    /// The background sync's configuration: the platform's address and enrolment code.
    pub fn sync_config(&self) -> app::sync::SyncConfig {
        let mut config = app::sync::SyncConfig::new(&self.platform_url);
        config.enrolment_code = self.enrolment_code.clone();
        config
    }

    /// Reads the process's command line and environment.
    pub fn from_process() -> Settings {
        Settings::read(std::env::args(), |name| std::env::var_os(name))
    }

    /// The settings from `args` and the variables `lookup` finds.
    pub fn read(
        args: impl IntoIterator<Item = String>,
        lookup: impl Fn(&str) -> Option<OsString>,
    ) -> Settings {
        let text = |name: &str| {
            lookup(name).and_then(|value| value.into_string().ok()).filter(|value| !value.trim().is_empty())
        };
        Settings {
            data_dir: data_dir_argument(args)
                .or_else(|| lookup(DATA_DIR_ENV).filter(|dir| !dir.is_empty()).map(PathBuf::from)),
            idle_lock_minutes: idle_lock_minutes(text(IDLE_LOCK_ENV).as_deref()),
            cups_server: cups_server(text(CUPS_SERVER_ENV).as_deref()),
            platform_url: text(PLATFORM_URL_ENV).unwrap_or_else(|| DEFAULT_PLATFORM_URL.to_owned()),
            enrolment_code: text(ENROLMENT_CODE_ENV),
            os_user: text("USER").or_else(|| text("LOGNAME")),
            home: lookup("HOME").filter(|home| !home.is_empty()).map(PathBuf::from),
            log_filter: text(LOG_ENV).unwrap_or_else(|| "info".to_owned()),
            idcard_port: text(IDCARD_PORT_ENV).map(PathBuf::from),
            idcard_library: text(IDCARD_LIBRARY_ENV).map(PathBuf::from),
        }
    }
}

/// The value of `--data-dir PATH` or `--data-dir=PATH`, if given and not empty.
fn data_dir_argument(args: impl IntoIterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let value = match arg.strip_prefix("--data-dir") {
            Some("") => args.next(),
            Some(rest) => rest.strip_prefix('=').map(str::to_owned),
            None => None,
        };
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            return Some(PathBuf::from(value));
        }
    }
    None
}

/// `host:port`, or the local CUPS.
fn cups_server(value: Option<&str>) -> (String, u16) {
    value
        .and_then(|text| text.trim().rsplit_once(':'))
        .and_then(|(host, port)| Some((host.to_owned(), port.parse::<u16>().ok()?)))
        .filter(|(host, _)| !host.is_empty())
        .unwrap_or_else(|| ("localhost".to_owned(), 631))
}

/// The idle-lock delay, or the default when unset or out of range.
fn idle_lock_minutes(value: Option<&str>) -> u32 {
    value
        .and_then(|text| text.trim().parse::<u32>().ok())
        .filter(|minutes| (1..=240).contains(minutes))
        .unwrap_or(DEFAULT_IDLE_LOCK_MINUTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    fn read(argv: &[&str], vars: &[(&str, &str)]) -> Settings {
        let vars: Vec<(String, String)> =
            vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Settings::read(args(argv), |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn nothing_set_gives_the_defaults() {
        let settings = read(&["pd"], &[]);
        assert_eq!(settings.data_dir, None);
        assert_eq!(settings.idle_lock_minutes, DEFAULT_IDLE_LOCK_MINUTES);
        assert_eq!(settings.cups_server, ("localhost".to_owned(), 631));
        assert_eq!(settings.platform_url, DEFAULT_PLATFORM_URL);
        assert_eq!(settings.idcard_port, None);
        assert_eq!((settings.enrolment_code, settings.os_user, settings.home), (None, None, None));
        assert_eq!(settings.log_filter, "info");
    }

    #[test]
    fn data_dir_option_in_both_spellings_wins_over_the_variable() {
        let var = [(DATA_DIR_ENV, "/tmp/env")];
        assert_eq!(read(&["pd", "--data-dir", "/tmp/a"], &var).data_dir, Some(PathBuf::from("/tmp/a")));
        assert_eq!(read(&["pd", "--data-dir=/tmp/b"], &var).data_dir, Some(PathBuf::from("/tmp/b")));
        assert_eq!(read(&["pd", "--data-dir"], &var).data_dir, Some(PathBuf::from("/tmp/env")), "no value");
        assert_eq!(read(&["pd", "--data-directory=/x"], &[]).data_dir, None);
        assert_eq!(read(&["pd"], &[(DATA_DIR_ENV, "")]).data_dir, None, "an empty variable is unset");
    }

    #[test]
    fn idle_lock_delay_is_bounded() {
        let minutes = |value: &str| read(&["pd"], &[(IDLE_LOCK_ENV, value)]).idle_lock_minutes;
        assert_eq!(minutes("5"), 5);
        assert_eq!(minutes("0"), DEFAULT_IDLE_LOCK_MINUTES, "never disabled");
        assert_eq!(minutes("ten"), DEFAULT_IDLE_LOCK_MINUTES);
        assert_eq!(minutes("100000"), DEFAULT_IDLE_LOCK_MINUTES);
    }

    #[test]
    fn cups_server_and_platform_from_the_environment() {
        let cups = |value: &str| read(&["pd"], &[(CUPS_SERVER_ENV, value)]).cups_server;
        assert_eq!(cups("127.0.0.1:40631"), ("127.0.0.1".to_owned(), 40631));
        assert_eq!(cups("nonsense"), ("localhost".to_owned(), 631));
        assert_eq!(cups(":631"), ("localhost".to_owned(), 631));
        let settings = read(
            &["pd"],
            &[(PLATFORM_URL_ENV, "http://127.0.0.1:9000"), (ENROLMENT_CODE_ENV, "ABC"), ("LOGNAME", "clerk")],
        );
        assert_eq!(settings.platform_url, "http://127.0.0.1:9000");
        assert_eq!(settings.enrolment_code.as_deref(), Some("ABC"));
        assert_eq!(settings.os_user.as_deref(), Some("clerk"), "LOGNAME when USER is unset");
        assert_eq!(read(&["pd"], &[(PLATFORM_URL_ENV, "  ")]).platform_url, DEFAULT_PLATFORM_URL);
    }
}
