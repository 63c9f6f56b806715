//! [`TestServer`]: the stand-in in-process on `127.0.0.1:0`, for tests.

use tempfile::TempDir;
use tokio::net::TcpListener;

use crate::error::Result;
use crate::faults::Faults;
use crate::platform::{Platform, StubConfig};
use crate::server::{RunningServer, spawn};

/// The stand-in platform served on a free loopback port with a database in a temporary
/// directory. The socket is bound before the server task starts, so requests may follow
/// [`TestServer::start`] at once, without sleeping. Dropping it stops the server and
/// deletes the database.
///
/// ```no_run
/// # async fn example() -> Result<(), platform_stub::StubError> {
/// let server = platform_stub::TestServer::start().await?;
/// server.faults().fail_next(2);
/// let base_url = server.url(); // "http://127.0.0.1:PORT"
/// # drop(base_url);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TestServer {
    url: String,
    platform: Platform,
    // Field order matters: the server stops before the directory is deleted.
    server: RunningServer,
    directory: TempDir,
}

impl TestServer {
    /// Starts a stand-in that issues permits as soon as it is asked for decisions.
    pub async fn start() -> Result<TestServer> {
        TestServer::start_with(StubConfig {
            permit_delay: std::time::Duration::ZERO,
            enrolment_codes: Vec::new(),
        })
        .await
    }

    /// Starts a stand-in with `config`.
    pub async fn start_with(config: StubConfig) -> Result<TestServer> {
        let directory = tempfile::Builder::new().prefix("platform-stub-").tempdir()?;
        let platform = Platform::open(&directory.path().join("platform.sqlite3"), config)?;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let server = spawn(listener, platform.clone())?;
        let url = format!("http://{}", server.local_addr());
        Ok(TestServer { url, platform, server, directory })
    }

    /// The base URL, `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The platform behind the server, for registering devices and checking what arrived.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        self.platform.faults()
    }

    /// The directory holding the stand-in's database.
    pub fn directory(&self) -> &std::path::Path {
        self.directory.path()
    }

    /// Stops the server and waits until it is gone (dropping does the same without waiting).
    pub async fn stop(self) {
        self.server.shutdown().await;
    }
}
