//! `permitctl reference`: signed reference-data updates (the holiday table) — for an office
//! (`show`, `load FILE`, `key set HEX`), and for the county bureau that issues them
//! (`keygen`, `sign`). docs/reference-updates.md describes the file.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use serde_json::json;

use crate::cmd_office::{self, OfficeArgs};

/// `permitctl reference …`.
#[derive(clap::Subcommand)]
pub enum ReferenceCommand {
    /// The office's reference-update key, the update loaded and the holiday years covered.
    Show(OfficeArgs),
    /// Check a signed update file and load it (管理员; audited).
    Load(LoadArgs),
    /// The county bureau's public key updates are checked with (管理员; audited).
    #[command(subcommand)]
    Key(KeyCommand),
    /// For the county bureau: make a key pair; the secret half goes to FILE, the public
    /// half (for every office's `reference key set`) is printed.
    Keygen {
        /// Where to write the secret key (64 hex digits; keep it off counter PCs).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// For the county bureau: sign a holiday table (the format of
    /// assets/reference/holidays.json) into an update file for the offices.
    Sign(SignArgs),
}

/// `permitctl reference key …`.
#[derive(clap::Subcommand)]
pub enum KeyCommand {
    /// Keep the county bureau's public key.
    Set {
        /// The key, 64 hex digits (from `reference keygen`).
        key: String,
        /// Replace a different key the office keeps already.
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        office: OfficeArgs,
    },
}

/// Arguments of `permitctl reference load`.
#[derive(clap::Args)]
pub struct LoadArgs {
    /// The update file.
    file: PathBuf,
    #[command(flatten)]
    office: OfficeArgs,
}

/// Arguments of `permitctl reference sign`.
#[derive(clap::Args)]
pub struct SignArgs {
    /// The table to sign: a holiday table (JSON: {"years": {"2027": {...}}}) or, with
    /// `--kind profiles`, county profiles (JSON: {"profiles": [<profile>, ...]}, each in the
    /// format of assets/profiles/*.json).
    table: PathBuf,
    /// What the table is: `holidays` (the default) or `profiles`.
    #[arg(long, default_value = "holidays")]
    kind: String,
    /// The secret key file written by `reference keygen`.
    #[arg(long)]
    key: PathBuf,
    /// The update's serial: higher than every update issued before (e.g. 2026120101).
    #[arg(long)]
    serial: u64,
    /// Who issues it, as offices will see it (e.g. 建德市公安局).
    #[arg(long)]
    issuer: String,
    /// The day it is issued (default: today, UTC+8).
    #[arg(long)]
    issued_on: Option<NaiveDate>,
    /// Where to write the update file.
    #[arg(short, long)]
    output: PathBuf,
}

/// Runs `permitctl reference …`.
pub fn run(command: &ReferenceCommand) -> ExitCode {
    match command {
        ReferenceCommand::Show(office) => show(office),
        ReferenceCommand::Load(args) => load(args),
        ReferenceCommand::Key(KeyCommand::Set { key, replace, office }) => set_key(key, *replace, office),
        ReferenceCommand::Keygen { output } => keygen(output),
        ReferenceCommand::Sign(args) => sign(args),
    }
}

fn show(args: &OfficeArgs) -> ExitCode {
    let office = match cmd_office::open(args) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let status = app::reference_update::status(&office);
    let closed = office.close();
    match (status, closed) {
        (Ok(status), Ok(())) => cmd_office::done(&json!({
            "key": status.key.map(|key| json!({ "public_key": key.hex, "fingerprint": key.fingerprint })),
            "holidays": status.holidays.map(|update| json!({
                "serial": update.serial,
                "issuer": update.issuer,
                "issued_on": update.issued_on,
                "years": update.years,
            })),
            "holiday_years": status.holiday_years,
            "profiles": status.profiles.map(|update| json!({
                "serial": update.serial,
                "issuer": update.issuer,
                "issued_on": update.issued_on,
                "profiles": update.profiles,
            })),
        })),
        (Err(error), _) | (Ok(_), Err(error)) => cmd_office::report(&error),
    }
}

fn load(args: &LoadArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(_) => return cmd_office::fail(2, "FILE_ERROR", "无法读取更新文件。".to_owned()),
    };
    let mut office = match cmd_office::open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let loaded = app::reference_update::load(&mut office, &text, app::clock::now().to_utc());
    let closed = office.close();
    match (loaded, closed) {
        (Ok(update), Ok(())) => {
            let what =
                if update.kind == app::reference_update::PROFILES { "政策文件" } else { "节假日表" };
            eprintln!("已载入{what}更新（编号 {}，{}）。", update.serial, update.issuer);
            cmd_office::done(&json!({
                "kind": update.kind,
                "serial": update.serial,
                "issuer": update.issuer,
                "issued_on": update.issued_on,
                "years": update.years,
                "profiles": update.profiles,
            }))
        }
        (Err(error), _) | (Ok(_), Err(error)) => cmd_office::report(&error),
    }
}

fn set_key(key: &str, replace: bool, args: &OfficeArgs) -> ExitCode {
    let mut office = match cmd_office::open(args) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let set = app::reference_update::set_key(&mut office, key, replace, app::clock::now().to_utc());
    let closed = office.close();
    match (set, closed) {
        (Ok(set), Ok(())) => cmd_office::done(&json!({
            "public_key": set.key.hex,
            "fingerprint": set.key.fingerprint,
            "changed": set.changed,
            "replaced": set.replaced.map(|key| key.fingerprint),
        })),
        (Err(error), _) | (Ok(_), Err(error)) => cmd_office::report(&error),
    }
}

fn keygen(output: &PathBuf) -> ExitCode {
    if output.exists() {
        return cmd_office::fail(1, "FILE_EXISTS", "密钥文件已存在，未覆盖。".to_owned());
    }
    match app::reference_update::generate_key_file(output) {
        Ok(public) => {
            let public = app::reference_update::hex(&public);
            cmd_office::done(&json!({
                "public_key": public,
                "fingerprint": app::bundle::fingerprint(&public),
                "secret_key_file": output,
            }))
        }
        Err(error) => cmd_office::report(&error),
    }
}

fn sign(args: &SignArgs) -> ExitCode {
    let read = |path: &PathBuf| std::fs::read_to_string(path);
    let (Ok(table), Ok(secret)) = (read(&args.table), read(&args.key)) else {
        return cmd_office::fail(2, "FILE_ERROR", "无法读取表格文件或密钥文件。".to_owned());
    };
    let Some(secret) = app::reference_update::unhex::<32>(&secret) else {
        return cmd_office::fail(2, "KEY_INVALID", "密钥文件应为64位十六进制数字。".to_owned());
    };
    let content: serde_json::Value = match serde_json::from_str(&table) {
        Ok(content) => content,
        Err(_) => return cmd_office::fail(1, "TABLE_INVALID", "表格文件不是有效的 JSON。".to_owned()),
    };
    // The offices refuse a table that does not check: refuse it here first.
    if let Err(error) = app::reference_update::check_content(&args.kind, &table) {
        return cmd_office::report(&app::AppError::ReferenceUpdate(error));
    }
    let payload = app::reference_update::Payload {
        kind: args.kind.clone(),
        serial: args.serial,
        issuer: args.issuer.clone(),
        issued_on: args.issued_on.unwrap_or_else(app::clock::today),
        content,
    };
    match app::reference_update::sign_to_file(&secret, &payload, &args.output) {
        Ok(()) => cmd_office::done(&json!({
            "path": args.output,
            "kind": payload.kind,
            "serial": payload.serial,
            "issuer": payload.issuer,
            "issued_on": payload.issued_on,
        })),
        Err(error) => cmd_office::report(&error),
    }
}
