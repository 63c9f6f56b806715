//! `permit-desk-server`: serves one office to several desks (docs/office-server.md).
//!
//! The office is opened with an administrator's password, read from the first line of
//! stdin (never a flag: flags show in `ps`); that log-in is ended at once, and each desk
//! logs its own clerk in. Until the office's TLS lands (step 4) it listens on loopback
//! only. With `--platform-url` it syncs the office's queue as the window does. Ctrl+C or
//! SIGTERM logs every desk out and closes the office.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use app::office::Office;
use app::problem::Problem;
use clap::Parser;

/// Serves one office's case desk to the browsers and desks of the office.
#[derive(Debug, Parser)]
#[command(name = "permit-desk-server", version)]
struct Args {
    /// The office's data folder (the one the window uses).
    #[arg(long)]
    data_dir: PathBuf,
    /// Where to listen (loopback only until TLS is set up).
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// The administrator whose password opens the office (read from stdin).
    #[arg(long)]
    user: String,
    /// Minutes without a clerk command after which a desk's session ends.
    #[arg(long, default_value_t = 10)]
    idle_minutes: u64,
    /// The built window (`ui/dist`) to serve to browsers at `/`.
    #[arg(long)]
    ui_dir: Option<PathBuf>,
    /// The provincial platform the office's queue is synced to (as the window's
    /// PERMIT_DESK_PLATFORM_URL); without it the queue waits.
    #[arg(long)]
    platform_url: Option<String>,
    /// The one-time code of the office's first enrolment with the platform.
    #[arg(long)]
    enrolment_code: Option<String>,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    if args.idle_minutes == 0 {
        bail!("--idle-minutes must be at least 1");
    }
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password).context("reading the password from stdin")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let now = wire::commands::now();
    let mut office = Office::open(&args.data_dir, &args.user, password, now).map_err(|error| {
        let problem = Problem::of(&error);
        anyhow::anyhow!("{}: {}", problem.code, problem.message)
    })?;
    // The opening log-in ends here; each desk logs its own clerk in.
    office.logout(now).map_err(|error| anyhow::anyhow!("{}", Problem::of(&error).code))?;
    let config = server::ServerConfig {
        idle_limit: Duration::from_secs(args.idle_minutes * 60),
        ui_dir: args.ui_dir.clone(),
        sync: args.platform_url.as_deref().map(|url| {
            let mut sync = app::sync::SyncConfig::new(url);
            sync.enrolment_code = args.enrolment_code.clone();
            sync
        }),
        ..Default::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen).await.context("binding the address")?;
        let running = server::serve(listener, office, config).map_err(|error| anyhow::anyhow!("{error}"))?;
        // Scripts wait for this line to know the port is open.
        writeln!(std::io::stdout(), "permit-desk-server listening on {}", running.url())?;
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        let office = running.stop().await.map_err(|error| anyhow::anyhow!("{}", Problem::of(&error).code))?;
        office.close().map_err(|error| anyhow::anyhow!("{}", Problem::of(&error).code))?;
        Ok(())
    })
}
