//! `permitctl backup -o FILE` and `permitctl restore FILE [--force-other-office]`.
//!
//! A backup is one encrypted file (the SQLCipher database and the key slots, see
//! `app::backup`); it opens only with a clerk's password. Restore refuses a backup of
//! another office (exit 1, `BACKUP_OTHER_OFFICE`) unless `--force-other-office` is
//! given, sets the replaced files aside and prints what it did. Both need the
//! administrator's password.

use std::path::PathBuf;
use std::process::ExitCode;

use app::office::StoreOptions;
use serde_json::json;

use crate::cmd_office::{self, OfficeArgs};

/// Arguments of `permitctl backup`.
#[derive(clap::Args)]
pub struct BackupArgs {
    /// The backup file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    office: OfficeArgs,
}

/// Arguments of `permitctl restore`.
#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup file to restore.
    file: PathBuf,
    /// Restore even though the backup belongs to another office.
    #[arg(long)]
    force_other_office: bool,
    #[command(flatten)]
    office: OfficeArgs,
}

/// Runs `permitctl backup`.
pub fn run_backup(args: &BackupArgs) -> ExitCode {
    let mut office = match cmd_office::open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let result = app::backup::backup(&mut office, &args.output, app::clock::now().to_utc());
    let closed = office.close();
    match (result, closed) {
        (Ok(info), Ok(())) => cmd_office::done(&json!({
            "path": args.output,
            "office_id": info.office_id,
            "created_at": info.created_at,
            "created_by": info.created_by,
            "database_bytes": info.database_bytes,
        })),
        (Err(error), _) | (Ok(_), Err(error)) => cmd_office::report(&error),
    }
}

/// Runs `permitctl restore`.
pub fn run_restore(args: &RestoreArgs) -> ExitCode {
    let password = match cmd_office::password() {
        Ok(password) => password,
        Err(code) => return code,
    };
    let restored = app::backup::restore(
        &args.file,
        &args.office.data_dir,
        &args.office.user,
        &password,
        args.force_other_office,
        app::clock::now().to_utc(),
        StoreOptions::default(),
    );
    match restored {
        Ok((office, summary)) => {
            let out = json!({
                "office_id": summary.backup.office_id,
                "backup_created_at": summary.backup.created_at,
                "forced_other_office": summary.forced_other_office,
                "set_aside": summary.set_aside,
                "revoked_again": summary.revoked_again,
                // The re-key that followed (the backup's key was one a revoked clerk held).
                "rekey": summary.rekeyed.map(|outcome| match outcome {
                    Ok(rekeyed) => json!({
                        "generation": rekeyed.generation,
                        "needs_reset": rekeyed.needs_reset,
                        "server_unlock_removed":
                            rekeyed.server_slot == app::office::ServerSlotAfterRekey::Removed,
                    }),
                    Err(error) => json!({ "problem": app::problem::Problem::of(&error).message }),
                }),
            });
            match office.close() {
                Ok(()) => cmd_office::done(&out),
                Err(error) => cmd_office::report(&error),
            }
        }
        Err(error) => cmd_office::report(&error),
    }
}
