//! `permitctl bundle export -o FILE` and `permitctl bundle import FILE`: the air-gapped
//! sync for a counter without a link to the platform (`app::bundle`, `docs/sync.md`).
//!
//! Export writes the queued records and their pages to one file, signed with this
//! installation's device key and encrypted to the platform's key (`--platform-key`, 64 hex
//! digits, from the platform's operator); the records stay queued. Import reads the
//! platform's answer file and applies it like an online sync; importing it again changes
//! nothing. A damaged, altered or foreign file is refused (exit 1) with a Chinese message
//! and nothing changes. Both need a clerk with 审批 or 管理员.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;

use crate::cmd_office::{self, OfficeArgs};

/// `permitctl bundle …`.
#[derive(clap::Subcommand)]
pub enum BundleCommand {
    /// Write the queued records and their pages to an encrypted, signed bundle file.
    Export(ExportArgs),
    /// Apply the platform's answer bundle (confirmations, refusals, decisions).
    Import(ImportArgs),
}

/// Arguments of `permitctl bundle export`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// The bundle file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// The platform's Ed25519 public key, 64 hex digits.
    #[arg(long, value_name = "HEX")]
    platform_key: String,
    #[command(flatten)]
    office: OfficeArgs,
}

/// Arguments of `permitctl bundle import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// The platform's answer bundle.
    file: PathBuf,
    /// The platform's Ed25519 public key, 64 hex digits.
    #[arg(long, value_name = "HEX")]
    platform_key: String,
    #[command(flatten)]
    office: OfficeArgs,
}

/// Runs `permitctl bundle …`.
pub fn run(command: &BundleCommand) -> ExitCode {
    match command {
        BundleCommand::Export(args) => run_export(args),
        BundleCommand::Import(args) => run_import(args),
    }
}

/// Writes `bytes` next to `path` and renames it into place, so a full disk or a pulled
/// stick never leaves a half-written bundle under the final name.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, bytes)?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, path)
}

fn run_export(args: &ExportArgs) -> ExitCode {
    let mut office = match cmd_office::open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let result = app::bundle::export_bundle(&mut office, &args.platform_key, app::clock::now().to_utc());
    let closed = office.close();
    let exported = match (result, closed) {
        (Ok(exported), Ok(())) => exported,
        (Err(error), _) | (Ok(_), Err(error)) => return cmd_office::report(&error),
    };
    if let Err(error) = write_whole(&args.output, &exported.file) {
        eprintln!("permitctl: write {}: {error}", args.output.display());
        return cmd_office::fail(
            2,
            "BUNDLE_WRITE_FAILED",
            format!("无法写入文件 {}。", args.output.display()),
        );
    }
    eprintln!("已导出 {} 条待上报记录、{} 张扫描页。", exported.records, exported.pages);
    cmd_office::done(&json!({
        "path": args.output,
        "bundle_id": exported.bundle_id,
        "device_id": exported.device_id,
        "records": exported.records,
        "pages": exported.pages,
        "pages_missing": exported.pages_missing,
        "bytes": exported.file.len(),
    }))
}

fn run_import(args: &ImportArgs) -> ExitCode {
    let file = match std::fs::read(&args.file) {
        Ok(file) => file,
        Err(error) => {
            eprintln!("permitctl: read {}: {error}", args.file.display());
            return cmd_office::fail(
                2,
                "BUNDLE_READ_FAILED",
                format!("无法读取文件 {}。", args.file.display()),
            );
        }
    };
    let mut office = match cmd_office::open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let result =
        app::bundle::import_bundle(&mut office, &args.platform_key, &file, app::clock::now().to_utc());
    let closed = office.close();
    let imported = match (result, closed) {
        (Ok(imported), Ok(())) => imported,
        (Err(error), _) | (Ok(_), Err(error)) => return cmd_office::report(&error),
    };
    eprintln!(
        "已导入：确认 {}，隔离 {}，收到平台决定 {}，已处理过 {}。",
        imported.confirmed, imported.quarantined, imported.decisions, imported.skipped
    );
    cmd_office::done(&json!({
        "bundle_id": imported.bundle_id,
        "export_bundle_id": imported.export_bundle_id,
        "confirmed": imported.confirmed,
        "duplicates": imported.duplicates,
        "quarantined": imported.quarantined,
        "left_queued": imported.left_queued,
        "skipped": imported.skipped,
        "decisions": imported.decisions,
        "issued": imported.issued.iter().map(|issued| json!({
            "case_id": issued.case_id.to_string(),
            "permit_number": issued.permit_number,
        })).collect::<Vec<_>>(),
        "rejected": imported.rejected.iter().map(|rejected| json!({
            "case_id": rejected.case_id.to_string(),
            "reasons": rejected.reasons,
        })).collect::<Vec<_>>(),
    }))
}
