//! The background sync: one thread that drains the outbox to the platform and pulls its
//! decisions, then sleeps for the syncer's interval (60 s after a good sync, a growing
//! backoff after trouble) or until a clerk asks for a sync now.
//!
//! It runs whenever an office is open, logged-in clerk or not (the idle lock must not
//! stop the queue), as the system actor `sync`. What it last saw ([`LiveSync`]) is laid
//! over the stored status by [`super::header`]; the window's shell and, later, the office
//! server both start it the same way.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::office::Office;

use super::{SyncConfig, Syncer};

/// What the loop last saw, for the header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveSync {
    /// A sync is running now.
    pub running: bool,
    /// Progress of the running drain: records done and in all.
    pub progress: (u64, u64),
    /// The platform could not be reached on the last try.
    pub offline: Option<bool>,
    /// The last problem, in Chinese.
    pub last_problem: Option<String>,
}

/// Shown when the syncer cannot be built (a bad platform address in the settings).
const CANNOT_START: &str = "同步模块无法启动，请联系管理员。";
/// Shown when a sync failed on the office store itself; the loop tries again.
const STORE_BUSY: &str = "本机数据库暂时无法同步，稍后自动重试。";

/// Handle to the loop: ask for a sync now.
#[derive(Debug, Clone)]
pub struct SyncLoop {
    /// Shared state for the header.
    pub shared: Arc<Mutex<LiveSync>>,
    wake: Sender<()>,
}

impl SyncLoop {
    /// Starts the thread. It idles (checking every few seconds) while no office is open.
    pub fn start(office: Arc<Mutex<Option<Office>>>, config: SyncConfig) -> std::io::Result<SyncLoop> {
        let shared = Arc::new(Mutex::new(LiveSync::default()));
        let (wake, woken) = std::sync::mpsc::channel();
        let thread_shared = shared.clone();
        std::thread::Builder::new()
            .name("sync".to_owned())
            .spawn(move || run(&office, config, &thread_shared, &woken))?;
        Ok(SyncLoop { shared, wake })
    }

    /// Wakes the loop for a sync now (the clerk's button, or a case just approved).
    pub fn sync_now(&self) {
        // The loop only ends with the process; a failed send means it is already gone.
        let _ = self.wake.send(());
    }

    /// A copy of what the loop last saw.
    pub fn snapshot(&self) -> LiveSync {
        self.shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

fn update(shared: &Mutex<LiveSync>, change: impl FnOnce(&mut LiveSync)) {
    change(&mut shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
}

fn run(office: &Mutex<Option<Office>>, config: SyncConfig, shared: &Mutex<LiveSync>, woken: &Receiver<()>) {
    let mut syncer = match Syncer::new(config) {
        Ok(syncer) => syncer,
        Err(error) => {
            tracing::error!(%error, "background sync cannot start");
            update(shared, |s| s.last_problem = Some(CANNOT_START.to_owned()));
            return;
        }
    };
    loop {
        let open = office.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_some();
        let pause = if open {
            update(shared, |s| {
                s.running = true;
                s.progress = (0, 0);
            });
            let outcome = syncer.sync(office, |done, total| update(shared, |s| s.progress = (done, total)));
            update(shared, |s| {
                s.running = false;
                match &outcome {
                    Ok(report) => {
                        s.offline = Some(report.problem.as_ref().is_some_and(|p| p.offline));
                        s.last_problem = report.problem.as_ref().map(|p| p.message.clone());
                    }
                    Err(error) => {
                        tracing::warn!(%error, "background sync failed on the store");
                        s.last_problem = Some(STORE_BUSY.to_owned());
                    }
                }
            });
            syncer.next_sync_in()
        } else {
            Duration::from_secs(3)
        };
        match woken.recv_timeout(pause) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
