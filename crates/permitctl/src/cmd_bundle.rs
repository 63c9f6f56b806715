//! `permitctl bundle export -o FILE`, `permitctl bundle import FILE` and
//! `permitctl platform-key show | set HEX`: the air-gapped sync for a counter without a
//! link to the platform (`app::bundle`, `docs/sync.md`).
//!
//! Export writes the queued records and their pages to one file, signed with this
//! installation's device key and encrypted to the platform's key; the records stay queued.
//! Import reads the platform's answer file and applies it like an online sync; importing
//! it again changes nothing. A damaged, altered or foreign file is refused (exit 1) with a
//! Chinese message and nothing changes. Both need a clerk with 审批 or 管理员.
//!
//! The platform's key is the one an administrator kept in the office
//! (`permitctl platform-key set HEX`); `--platform-key` still works for an office that
//! keeps none, and is refused (exit 1, `PLATFORM_KEY_MISMATCH`) when it differs from the
//! kept one.

use std::path::PathBuf;
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
    /// The bundle file to write (never overwritten), or a folder to write a time-named file in.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// The platform's Ed25519 public key, 64 hex digits (default: the one the office keeps).
    #[arg(long, value_name = "HEX")]
    platform_key: Option<String>,
    #[command(flatten)]
    office: OfficeArgs,
}

/// Arguments of `permitctl bundle import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// The platform's answer bundle.
    file: PathBuf,
    /// The platform's Ed25519 public key, 64 hex digits (default: the one the office keeps).
    #[arg(long, value_name = "HEX")]
    platform_key: Option<String>,
    #[command(flatten)]
    office: OfficeArgs,
}

/// `permitctl platform-key …`.
#[derive(clap::Subcommand)]
pub enum PlatformKeyCommand {
    /// Print the platform's bundle key the office keeps, with its fingerprint.
    Show(OfficeArgs),
    /// Keep the platform's bundle key (an administrator; audited as `platform_key_set`).
    Set(SetKeyArgs),
}

/// Arguments of `permitctl platform-key set`.
#[derive(clap::Args)]
pub struct SetKeyArgs {
    /// The platform's Ed25519 public key, 64 hex digits (`platform-stub bundle-key`).
    key: String,
    /// Replace a different key the office keeps already.
    #[arg(long)]
    replace: bool,
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

/// Runs `permitctl platform-key …`.
pub fn run_platform_key(command: &PlatformKeyCommand) -> ExitCode {
    match command {
        PlatformKeyCommand::Show(args) => run_show(args),
        PlatformKeyCommand::Set(args) => run_set(args),
    }
}

fn run_export(args: &ExportArgs) -> ExitCode {
    let mut office = match cmd_office::open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let result = app::bundle::export_bundle_to_file(
        &mut office,
        &args.output,
        args.platform_key.as_deref(),
        app::clock::now().to_utc(),
    );
    let closed = office.close();
    let exported = match (result, closed) {
        (Ok(exported), Ok(())) => exported,
        (Err(error), _) | (Ok(_), Err(error)) => return cmd_office::report(&error),
    };
    eprintln!("已导出 {} 条待上报记录、{} 张扫描页。", exported.records, exported.pages);
    cmd_office::done(&json!({
        "path": exported.path,
        "bundle_id": exported.bundle_id,
        "device_id": exported.device_id,
        "records": exported.records,
        "pages": exported.pages,
        "pages_missing": exported.pages_missing,
        "device_key_change": exported.device_key_change,
        "bytes": exported.bytes,
    }))
}

fn run_import(args: &ImportArgs) -> ExitCode {
    let mut office = match cmd_office::open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let result = app::bundle::import_bundle_from_file(
        &mut office,
        &args.file,
        args.platform_key.as_deref(),
        app::clock::now().to_utc(),
    );
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
        "device_key": match &imported.device_key {
            None => json!(null),
            Some(app::bundle::DeviceKeyOutcome::Changed) => {
                json!({ "changed": true, "orders_waiting": imported.device_key_orders_waiting })
            }
            Some(app::bundle::DeviceKeyOutcome::Refused(reason)) => json!({ "changed": false, "refused": reason }),
        },
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

fn key_json(key: Option<&app::bundle::PlatformKey>) -> serde_json::Value {
    match key {
        Some(key) => json!({ "public_key": key.hex, "fingerprint": key.fingerprint }),
        None => json!({ "public_key": null, "fingerprint": null }),
    }
}

/// `{"public_key", "fingerprint"}` (both `null` when none is kept); exit 0 either way.
fn run_show(args: &OfficeArgs) -> ExitCode {
    let office = match cmd_office::open(args) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let result = app::bundle::platform_key(&office);
    let closed = office.close();
    match (result, closed) {
        (Ok(key), Ok(())) => cmd_office::done(&key_json(key.as_ref())),
        (Err(error), _) | (Ok(_), Err(error)) => cmd_office::report(&error),
    }
}

fn run_set(args: &SetKeyArgs) -> ExitCode {
    let mut office = match cmd_office::open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let result =
        app::bundle::set_platform_key(&mut office, &args.key, args.replace, app::clock::now().to_utc());
    let closed = office.close();
    let set = match (result, closed) {
        (Ok(set), Ok(())) => set,
        (Err(error), _) | (Ok(_), Err(error)) => return cmd_office::report(&error),
    };
    eprintln!("省平台公钥已保存，指纹 {}；请与省平台核对。", set.key.fingerprint);
    let mut out = key_json(Some(&set.key));
    out["changed"] = json!(set.changed);
    out["replaced"] = set.replaced.as_ref().map_or(serde_json::Value::Null, |key| key_json(Some(key)));
    cmd_office::done(&out)
}
