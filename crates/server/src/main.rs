//! `permit-desk-server`: serves one office to several desks (docs/office-server.md).
//!
//! The office is opened either with an administrator's password, read from the first line
//! of stdin (never a flag: flags show in `ps`), that log-in ended at once; or, as the
//! installed service does, with the server's unlock file that `permit-desk-server setup`
//! writes (`--unlock-file`). Either way each desk logs its own clerk in. It speaks TLS
//! only, with the office's own CA: made at the first start (by that administrator, or by
//! `setup`; audited), kept encrypted in the office, written out as
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
#[command(
    name = "permit-desk-server",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: Args,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Prepares the office for running as a service: makes the office CA (if the server
    /// never started) and the server's unlock file, with an administrator's password read
    /// from stdin; `--remove` takes the unlock away again.
    Setup(SetupArgs),
}

#[derive(Debug, clap::Args)]
struct SetupArgs {
    /// The office's data folder.
    #[arg(long)]
    data_dir: PathBuf,
    /// The administrator whose password (stdin) authorises it.
    #[arg(long)]
    user: String,
    /// Where the unlock file is written (root's, 0600; the service reads it as a
    /// credential).
    #[arg(long, default_value = "/etc/permit-desk-server/unlock")]
    unlock_file: PathBuf,
    /// Remove the server's unlock instead (the file, if there, is deleted too).
    #[arg(long)]
    remove: bool,
}

#[derive(Debug, clap::Args)]
struct Args {
    /// The office's data folder (the one the window uses). Required.
    #[arg(long)]
    data_dir: Option<PathBuf>,
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
    #[arg(long, conflicts_with = "unlock_file")]
    user: Option<String>,
    /// Open the office with the server's unlock file (`permit-desk-server setup` writes
    /// it) instead of a password: how the installed service starts.
    #[arg(long)]
    unlock_file: Option<PathBuf>,
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
    let cli = Cli::parse();
    if let Some(Command::Setup(setup)) = cli.command {
        return run_setup(&setup);
    }
    let args = cli.serve;
    let Some(data_dir) = args.data_dir.clone() else {
        bail!("--data-dir is required (the office's data folder)");
    };
    if args.idle_minutes == 0 {
        bail!("--idle-minutes must be at least 1");
    }
    if args.listen.ip().is_unspecified() && args.names.is_empty() {
        bail!(
            "listening on every address needs --name with this PC's name or LAN address (the certificate names it)"
        );
    }
    let now = wire::commands::now();
    let mut office = match (&args.unlock_file, &args.user) {
        (Some(unlock_file), _) => {
            let text = zeroize::Zeroizing::new(std::fs::read_to_string(unlock_file).with_context(|| {
                format!(
                    "reading the unlock file {} (made by permit-desk-server setup)",
                    unlock_file.display()
                )
            })?);
            Office::open_for_server(&data_dir, &text, now, app::office::StoreOptions::default())
                .map_err(problem)?
        }
        (None, Some(user)) => Office::open(&data_dir, user, &read_password()?, now).map_err(problem)?,
        (None, None) => bail!("give --user (the password on stdin) or --unlock-file"),
    };
    // The office CA is made at the first start, by the administrator who opened the
    // office (audited); a start with the unlock file finds the one setup made.
    let fingerprint = server::tls::ensure_office_ca(&mut office, now).map_err(|error| {
        anyhow::anyhow!("{error} (the office CA is made by permit-desk-server setup or a start with --user)")
    })?;
    // The opening log-in ends here; each desk logs its own clerk in.
    office.logout(now).map_err(problem)?;
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
        let ca_file = data_dir.join("office-ca.pem");
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

/// An application error as `CODE: 中文说明`.
fn problem(error: app::AppError) -> anyhow::Error {
    let problem = Problem::of(&error);
    anyhow::anyhow!("{}: {}", problem.code, problem.message)
}

/// The first line of stdin, without its line end.
fn read_password() -> anyhow::Result<zeroize::Zeroizing<String>> {
    let mut password = zeroize::Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut password).context("reading the password from stdin")?;
    let trimmed = password.trim_end_matches(['\r', '\n']).len();
    password.truncate(trimmed);
    Ok(password)
}

/// `permit-desk-server setup`: the office CA and the unlock file, or `--remove`.
fn run_setup(setup: &SetupArgs) -> anyhow::Result<()> {
    let now = wire::commands::now();
    let password = read_password()?;
    let mut office = Office::open(&setup.data_dir, &setup.user, &password, now).map_err(problem)?;
    let result = setup_with(&mut office, setup, now);
    office.logout(now).map_err(problem)?;
    office.close().map_err(problem)?;
    result?;
    give_back_to_owner(&setup.data_dir)
}

/// Run as root on the service's folder, setup has just rewritten the key-slot file (and
/// perhaps made the database's journal files) as root: hands every file back to the
/// folder's owner, the service's user, so the service can open them at its next start.
fn give_back_to_owner(dir: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let owner = std::fs::metadata(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                folders.push(entry.path());
            }
            if (meta.uid(), meta.gid()) != (owner.uid(), owner.gid()) {
                std::os::unix::fs::chown(entry.path(), Some(owner.uid()), Some(owner.gid())).with_context(
                    || format!("giving {} back to the folder's owner", entry.path().display()),
                )?;
            }
        }
    }
    Ok(())
}

fn setup_with(
    office: &mut Office,
    setup: &SetupArgs,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if setup.remove {
        let removed = office.remove_server_unlock(now).map_err(problem)?;
        match std::fs::remove_file(&setup.unlock_file) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error).with_context(|| format!("removing {}", setup.unlock_file.display()));
            }
        }
        if removed {
            writeln!(out, "已撤销服务器开启密钥：服务不能再自行开启本办理点 (server unlock removed)")?;
        } else {
            writeln!(out, "本办理点没有服务器开启密钥 (there was no server unlock)")?;
        }
        return Ok(());
    }
    let fingerprint =
        server::tls::ensure_office_ca(office, now).map_err(|error| anyhow::anyhow!("{error}"))?;
    let text = office.create_server_unlock(now).map_err(problem)?;
    write_secret_file(&setup.unlock_file, text.as_bytes())
        .with_context(|| format!("writing the unlock file {}", setup.unlock_file.display()))?;
    writeln!(out, "服务器开启密钥已写入 (unlock file): {}", setup.unlock_file.display())?;
    writeln!(out, "办理点证书颁发机构 SHA-256 指纹 (office CA fingerprint): {fingerprint}")?;
    writeln!(out, "此前的开启密钥文件已失效 (an earlier unlock file no longer opens the office)")?;
    Ok(())
}

/// Writes a secret to `path`, readable by its owner only (its folder made 0700 if new),
/// through a temporary file renamed into place: a cut leaves the old file or none.
fn write_secret_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(parent)?;
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = (|| {
        let mut file =
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&partial, path)
    })();
    if written.is_err() {
        // Best effort: the error that matters is the write's.
        let _ = std::fs::remove_file(&partial);
    }
    written
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
