//! What a joined desk keeps: the server's address, the office CA it pinned, its own
//! certificate and key. No personal data, but the key is the desk's: the file is 0600 and
//! written whole or not at all.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::LinkError;

/// A desk that joined an office server.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeskIdentity {
    /// `https://host:port` of the office server.
    pub server_url: String,
    /// The office the desk belongs to.
    pub office_id: String,
    /// The name it gave itself, which its certificate carries.
    pub desk_name: String,
    /// The office CA (PEM): the only certificate authority this desk trusts.
    pub office_ca: String,
    /// The CA's SHA-256 fingerprint (`AB:CD:…`).
    pub ca_fingerprint: String,
    /// The desk's client certificate (PEM).
    pub certificate: String,
    /// The desk's P-256 key, PKCS#8 DER, base64.
    key: String,
}

impl Drop for DeskIdentity {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

impl std::fmt::Debug for DeskIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskIdentity")
            .field("server_url", &self.server_url)
            .field("office_id", &self.office_id)
            .field("desk_name", &self.desk_name)
            .field("ca_fingerprint", &self.ca_fingerprint)
            .finish_non_exhaustive()
    }
}

impl DeskIdentity {
    /// An identity from what joining gave.
    pub(crate) fn new(
        server_url: String,
        joined: crate::protocol::Joined,
        desk_name: String,
        key_pkcs8: &[u8],
    ) -> DeskIdentity {
        DeskIdentity {
            server_url,
            office_id: joined.office_id,
            desk_name,
            office_ca: joined.office_ca,
            ca_fingerprint: joined.ca_fingerprint,
            certificate: joined.certificate,
            key: base64::engine::general_purpose::STANDARD.encode(key_pkcs8),
        }
    }

    /// The desk's key, PKCS#8 DER.
    pub(crate) fn key_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>, LinkError> {
        base64::engine::general_purpose::STANDARD
            .decode(self.key.as_bytes())
            .map(Zeroizing::new)
            .map_err(|_| LinkError::Identity("the desk's key is unreadable".to_owned()))
    }

    /// The identity kept at `path`, or `None` if this PC has not joined an office.
    pub fn load(path: &Path) -> Result<Option<DeskIdentity>, LinkError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|error| LinkError::Identity(format!("{}: {error}", path.display()))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(LinkError::Identity(format!("{}: {error}", path.display()))),
        }
    }

    /// Writes the identity to `path` (0600), through a temporary file renamed into place,
    /// so a cut in the middle leaves the old file or none, never half of one.
    pub fn save(&self, path: &Path) -> Result<(), LinkError> {
        let failed = |error: std::io::Error| LinkError::Identity(format!("{}: {error}", path.display()));
        let bytes = Zeroizing::new(
            serde_json::to_vec_pretty(self)
                .map_err(|error| LinkError::Identity(format!("{}: {error}", path.display())))?,
        );
        let partial = path.with_extension("json.partial");
        let written = (|| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&partial)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&partial, path)
        })();
        if let Err(error) = written {
            // Best effort: the error that matters is the write's.
            let _ = std::fs::remove_file(&partial);
            return Err(failed(error));
        }
        Ok(())
    }

    /// Forgets the office (the desk leaves it): removes the file at `path`.
    pub fn forget(path: &Path) -> Result<(), LinkError> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(LinkError::Identity(format!("{}: {error}", path.display()))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    fn identity() -> DeskIdentity {
        DeskIdentity::new(
            "https://192.168.1.10:8443".to_owned(),
            crate::protocol::Joined {
                certificate: "CERT".to_owned(),
                office_ca: "CA".to_owned(),
                ca_fingerprint: "AB:CD".to_owned(),
                office_id: "office-1".to_owned(),
            },
            "二号窗口".to_owned(),
            &[1, 2, 3],
        )
    }

    #[test]
    fn an_identity_survives_the_file_and_its_key_stays_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.json");
        assert!(DeskIdentity::load(&path).unwrap().is_none(), "no file: not joined");
        identity().save(&path).unwrap();
        let read = DeskIdentity::load(&path).unwrap().unwrap();
        assert_eq!(read.server_url, "https://192.168.1.10:8443");
        assert_eq!(read.desk_name, "二号窗口");
        assert_eq!(*read.key_pkcs8().unwrap(), vec![1, 2, 3]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(!format!("{read:?}").contains("AQID"), "Debug never shows the key");
        assert!(!path.with_extension("json.partial").exists());
        DeskIdentity::forget(&path).unwrap();
        assert!(DeskIdentity::load(&path).unwrap().is_none());
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_new_desk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.json");
        std::fs::write(&path, b"{\"serverUrl\": ").unwrap();
        assert!(matches!(DeskIdentity::load(&path), Err(LinkError::Identity(_))));
    }
}
