//! `permit-desk-server`: serves one office to several desks (docs/office-server.md).
//!
//! The office is opened with an administrator's password, read from the first line of
//! stdin (never a flag: flags show in `ps`); that log-in is ended at once, and each desk
//! logs its own clerk in. It speaks TLS only, with the office's own CA: made at the first
//! start (by that administrator, audited), kept encrypted in the office, written out as
//! `office-ca.pem` beside it for installing in browsers, and its fingerprint printed. With
//! `--platform-url` it syncs the office's queue as the window does. Ctrl+C or SIGTERM logs
//! every desk out and closes the office.

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
    /// Where to listen: `0.0.0.0:8443` for the office's LAN (then name the PC with
    /// `--name`).
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// A host name or IP address desks and browsers use to reach this PC (repeatable):
    /// the server's certificate names them. `localhost`, `127.0.0.1` and the `--listen`
    /// address are always named.
    #[arg(long = "name")]
    names: Vec<String>,
    /// Serve browsers (no desk certificate) from these addresses only (repeatable:
    /// `127.0.0.1`, `192.168.1.0/24`); joined desks are served from anywhere.
    #[arg(long = "browsers-from")]
    browsers_from: Vec<server::access::AddressRange>,
    /// Serve joined desks only (and browsers from `--browsers-from`, if given): another PC
    /// may only join.
    #[arg(long)]
    desks_only: bool,
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
    if args.listen.ip().is_unspecified() && args.names.is_empty() {
        bail!(
            "listening on every address needs --name with this PC's name or LAN address (the certificate names it)"
        );
    }
    let now = wire::commands::now();
    let mut office = Office::open(&args.data_dir, &args.user, password, now).map_err(|error| {
        let problem = Problem::of(&error);
        anyhow::anyhow!("{}: {}", problem.code, problem.message)
    })?;
    // The office CA is made at the first start, by this administrator (audited).
    let fingerprint =
        server::tls::ensure_office_ca(&mut office, now).map_err(|error| anyhow::anyhow!("{error}"))?;
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
        names: names(&args),
        browsers: if args.desks_only || !args.browsers_from.is_empty() {
            server::access::Browsers::From(args.browsers_from.clone())
        } else {
            server::access::Browsers::Anywhere
        },
        ..Default::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen).await.context("binding the address")?;
        let running = server::serve(listener, office, config).map_err(|error| anyhow::anyhow!("{error}"))?;
        let ca_file = args.data_dir.join("office-ca.pem");
        std::fs::write(&ca_file, running.ca_pem()).context("writing office-ca.pem")?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "办理点证书颁发机构 (office CA): {}", ca_file.display())?;
        writeln!(out, "SHA-256 指纹 (fingerprint): {fingerprint}")?;
        // Scripts wait for this line to know the port is open.
        writeln!(out, "permit-desk-server listening on {}", running.url())?;
        drop(out);
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

/// The names the server's certificate carries: those given, loopback's, and the listening
/// address when it is one.
fn names(args: &Args) -> Vec<String> {
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    if !args.listen.ip().is_unspecified() {
        names.push(args.listen.ip().to_string());
    }
    for name in &args.names {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names.dedup();
    names
}
