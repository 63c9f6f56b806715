//! `platform-stub`: runs the stand-in provincial platform on a socket with a database file.
//!
//! ```text
//! platform-stub --listen 127.0.0.1:8787 --db stub.sqlite3 --permit-delay-ms 2000 \
//!     --enrolment-code DEMO-CODE --device counter-1=<64 hex digits of the public key>
//! ```
//!
//! Air-gapped transfer, with the same database:
//!
//! ```text
//! platform-stub --db stub.sqlite3 bundle-key                        # the key counters need
//! platform-stub --db stub.sqlite3 bundle-answer export.pdb answer.pdb
//! ```
//!
//! Logs go to stderr (`RUST_LOG=platform_stub=debug` for more); fake SMS appear under the
//! target `platform_stub::sms`. Ctrl-C stops it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use platform_stub::{Platform, StubConfig};

/// The stand-in provincial platform for permit-desk (contract v1, plain HTTP).
#[derive(Parser, Debug)]
#[command(name = "platform-stub", version)]
struct Arguments {
    /// Address to listen on; keep it on loopback: the stand-in speaks plain HTTP.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// The stand-in's SQLite database (created if missing).
    #[arg(long)]
    db: PathBuf,
    /// Milliseconds between a case's approval and its permit.
    #[arg(long, default_value_t = 2000)]
    permit_delay_ms: u64,
    /// A one-time code that lets a device enrol itself (repeatable).
    #[arg(long = "enrolment-code")]
    enrolment_codes: Vec<String>,
    /// A pre-shared device key, `DEVICE_ID=HEX_PUBLIC_KEY` (repeatable).
    #[arg(long = "device")]
    devices: Vec<String>,
    /// Instead of serving: a one-off air-gapped operation on the database.
    #[command(subcommand)]
    tool: Option<Tool>,
}

/// One-off operations for the air-gapped transfer.
#[derive(clap::Subcommand, Debug)]
enum Tool {
    /// Print the platform's public key (64 hex digits) for `permitctl bundle --platform-key`.
    BundleKey,
    /// Ingest a counter's export bundle and write the answer bundle for it.
    BundleAnswer {
        /// The export bundle (`permitctl bundle export -o FILE`).
        input: PathBuf,
        /// Where to write the answer (`permitctl bundle import FILE`).
        output: PathBuf,
    },
}

#[allow(clippy::print_stdout, reason = "the tool prints its answer")]
fn run_tool(platform: &Platform, tool: &Tool) -> anyhow::Result<()> {
    match tool {
        Tool::BundleKey => println!("{}", platform.public_key_hex()?),
        Tool::BundleAnswer { input, output } => {
            let file = std::fs::read(input).with_context(|| format!("read {}", input.display()))?;
            let answer = platform.answer_bundle(&file)?;
            std::fs::write(output, &answer.file).with_context(|| format!("write {}", output.display()))?;
            println!(
                "{}",
                serde_json::json!({
                    "device_id": answer.device_id,
                    "records": answer.records,
                    "pages": answer.pages,
                    "decisions": answer.decisions,
                })
            );
        }
    }
    Ok(())
}

fn parse_device(text: &str) -> anyhow::Result<(String, [u8; 32])> {
    let Some((device_id, key_hex)) = text.split_once('=') else {
        bail!("--device takes DEVICE_ID=HEX_PUBLIC_KEY, got {text:?}");
    };
    let key = hex::decode(key_hex).context("public key is not hex")?;
    let key = <[u8; 32]>::try_from(key.as_slice()).ok().context("public key is not 32 bytes")?;
    Ok((device_id.to_owned(), key))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let arguments = Arguments::parse();
    if !arguments.listen.ip().is_loopback() {
        tracing::warn!(listen = %arguments.listen, "listening beyond loopback: the stand-in has no TLS");
    }
    let config = StubConfig {
        permit_delay: Duration::from_millis(arguments.permit_delay_ms),
        enrolment_codes: arguments.enrolment_codes.clone(),
    };
    let platform = Platform::open(&arguments.db, config)
        .with_context(|| format!("open the stand-in's database {}", arguments.db.display()))?;
    for device in &arguments.devices {
        let (device_id, key) = parse_device(device)?;
        platform.register_device(&device_id, key)?;
    }
    if let Some(tool) = &arguments.tool {
        return run_tool(&platform, tool);
    }
    let listener = tokio::net::TcpListener::bind(arguments.listen)
        .await
        .with_context(|| format!("listen on {}", arguments.listen))?;
    let server = platform_stub::spawn(listener, platform)?;
    tokio::signal::ctrl_c().await.context("wait for ctrl-c")?;
    tracing::info!("stopping");
    server.shutdown().await;
    Ok(())
}
