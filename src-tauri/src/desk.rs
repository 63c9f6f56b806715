//! A joined desk (docs/office-server.md, "Joining a Tauri desk"): this PC's link to its
//! office server, when it joined one instead of keeping an office of its own. The web view
//! cannot show a client certificate, so the page sends its commands here
//! (`commands::desk::desk_request`) and the link sends them on over mutual TLS.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use desk_link::{DeskIdentity, DeskLink, Probe};
use tauri::{AppHandle, Emitter, Runtime};

use crate::json::{DeskModeInfo, JoinedDeskInfo};

/// The event the page hears when another desk changed a case: `{caseId, change}` as the
/// server's stream says it (never personal data).
pub const CASE_CHANGE_EVENT: &str = "desk-case-change";

/// This PC's standing towards an office server.
pub struct DeskState {
    /// Where the desk's identity (pinned CA, certificate, key) is kept.
    file: PathBuf,
    /// The link, once joined.
    link: RwLock<Option<Arc<DeskLink>>>,
    /// The server found at the address typed, waiting for the clerk's comparison.
    pending: Mutex<Option<Probe>>,
    /// The identity file exists but cannot be used (until the PC leaves or joins again).
    damaged: AtomicBool,
}

impl DeskState {
    /// The desk as its identity file at `file` says: joined, standalone, or damaged.
    pub fn load(file: PathBuf) -> DeskState {
        let (link, damaged) =
            match DeskIdentity::load(&file).and_then(|identity| identity.map(DeskLink::new).transpose()) {
                Ok(link) => (link.map(Arc::new), false),
                Err(error) => {
                    tracing::error!(%error, "the desk's file from joining cannot be used");
                    (None, true)
                }
            };
        DeskState {
            file,
            link: RwLock::new(link),
            pending: Mutex::default(),
            damaged: AtomicBool::new(damaged),
        }
    }

    /// The link, if this PC joined an office server.
    pub fn link(&self) -> Option<Arc<DeskLink>> {
        self.link.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// What the window is.
    pub fn info(&self) -> DeskModeInfo {
        DeskModeInfo {
            joined: self.link().map(|link| joined_info(link.identity())),
            damaged: self.damaged.load(Ordering::Relaxed),
        }
    }

    /// Keeps the server found at an address until the clerk joins it.
    pub fn remember_probe(&self, probe: Probe) {
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(probe);
    }

    /// The server last found, if it is the one at `server_url` with `fingerprint`: what the
    /// clerk compared is what the code is sent to.
    pub fn probe_for(&self, server_url: &str, fingerprint: &str) -> Option<Probe> {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .filter(|probe| probe.server_url == server_url && probe.ca_fingerprint == fingerprint)
    }

    /// Keeps `identity` (0600, written whole) and links to it; events follow at once.
    pub fn joined<R: Runtime>(
        &self,
        identity: DeskIdentity,
        app: &AppHandle<R>,
    ) -> Result<JoinedDeskInfo, desk_link::LinkError> {
        identity.save(&self.file)?;
        let link = Arc::new(DeskLink::new(identity)?);
        let info = joined_info(link.identity());
        *self.link.write().unwrap_or_else(PoisonError::into_inner) = Some(link);
        self.pending.lock().unwrap_or_else(PoisonError::into_inner).take();
        self.damaged.store(false, Ordering::Relaxed);
        self.follow_events(app);
        Ok(info)
    }

    /// Leaves the office server: the identity file is removed, the link dropped (its event
    /// stream ends with it).
    pub fn leave(&self) -> Result<(), desk_link::LinkError> {
        DeskIdentity::forget(&self.file)?;
        self.link.write().unwrap_or_else(PoisonError::into_inner).take();
        self.damaged.store(false, Ordering::Relaxed);
        Ok(())
    }

    /// Hands the server's case changes to the page while the link lives.
    pub fn follow_events<R: Runtime>(&self, app: &AppHandle<R>) {
        let Some(link) = self.link() else { return };
        let app = app.clone();
        tauri::async_runtime::spawn(DeskLink::follow_events(Arc::downgrade(&link), move |change| {
            if let Err(error) = app.emit(CASE_CHANGE_EVENT, change) {
                tracing::debug!(%error, "a case change could not be handed to the page");
            }
        }));
    }
}

fn joined_info(identity: &DeskIdentity) -> JoinedDeskInfo {
    JoinedDeskInfo {
        server_url: identity.server_url.clone(),
        desk_name: identity.desk_name.clone(),
        office_id: identity.office_id.clone(),
        ca_fingerprint: identity.ca_fingerprint.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn a_pc_without_the_file_is_its_own_office_and_a_damaged_file_is_said() {
        let dir = std::env::temp_dir().join(format!("permit-desk-desk-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("desk.json");
        let fresh = DeskState::load(file.clone());
        assert_eq!(fresh.info(), DeskModeInfo { joined: None, damaged: false });

        // Half a file (a cut while it was written, a disk error): not a standalone PC, which
        // would offer to make a second office, but a desk that must join again.
        std::fs::write(&file, b"{\"serverUrl\": \"https://192.168.1.20:8443\"").unwrap();
        let damaged = DeskState::load(file.clone());
        assert_eq!(damaged.info(), DeskModeInfo { joined: None, damaged: true });
        assert!(damaged.link().is_none());
        // Leaving removes it; the PC is then as new.
        damaged.leave().unwrap();
        assert!(!file.exists());
        assert_eq!(damaged.info(), DeskModeInfo { joined: None, damaged: false });
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
