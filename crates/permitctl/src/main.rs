//! `permitctl`: the operator's command line on the same `app` core as the window.
//!
//! Every command prints one JSON document on stdout. Exit status: 0 when the answer is
//! "yes/valid", 1 when the input was understood and refused (e.g. an invalid ID
//! number), 2 for usage or IO errors (clap's convention).

#![allow(clippy::print_stdout, reason = "a CLI prints its answers")]

mod cmd_archive;
mod cmd_assess;
mod cmd_audit;
mod cmd_backup;
mod cmd_bundle;
mod cmd_deadline;
mod cmd_idcard;
mod cmd_ledger;
mod cmd_office;
mod cmd_profiles;
mod cmd_reference;
mod cmd_render;
mod cmd_scan;
mod cmd_sync;

use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "permitctl",
    about = "浙江省居住证互认办理 — operator command line",
    disable_version_flag = true,
    arg_required_else_help = true
)]
struct Cli {
    /// Print the version, the database and record schemas and the holiday table's years.
    #[arg(short = 'V', long = "version")]
    version: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Validate and decode an 18-character resident ID number (GB 11643).
    Id {
        /// The number as typed.
        number: String,
        /// The acceptance date to check the birth date against (default: today, UTC+8).
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// Compute the processing deadline in working days from an acceptance date.
    Deadline(cmd_deadline::Args),
    /// Assess an application record under a county's policy: accept, or the one-time notice.
    Assess(cmd_assess::Args),
    /// List the policy profiles (counties, documents, effective dates).
    Profiles,
    /// First-run set-up of an office store with its administrator.
    Setup(cmd_office::SetupArgs),
    /// Audit trail maintenance.
    #[command(subcommand)]
    Audit(cmd_audit::AuditCommand),
    /// Export one person's complete archive (一人一档) to one file.
    ExportPerson(cmd_archive::ExportArgs),
    /// Back up the whole office store to one encrypted file.
    Backup(cmd_backup::BackupArgs),
    /// Restore the office store from a backup file.
    Restore(cmd_backup::RestoreArgs),
    /// Render the slip, the Annex 1 form, the one-time notice or the receipt to PDF.
    Render(cmd_render::RenderArgs),
    /// Check a confirmation slip's QR code (its text, or a PNG of the slip).
    VerifySlip(cmd_render::VerifyArgs),
    /// Print the office's public key for checking its confirmation slips elsewhere.
    SlipKey(cmd_office::OfficeArgs),
    /// Send the queued records to the provincial platform once and pull its decisions.
    Sync(cmd_sync::SyncArgs),
    /// List the records queued for the platform and those quarantined with the reason.
    Outbox(cmd_sync::OutboxArgs),
    /// Air-gapped sync: export the queue to a bundle file, import the platform's answer.
    #[command(subcommand)]
    Bundle(cmd_bundle::BundleCommand),
    /// The platform's public key for bundles, kept in the office: show it, or set it (管理员).
    #[command(subcommand)]
    PlatformKey(cmd_bundle::PlatformKeyCommand),
    /// Signed reference-data updates (the holiday table): show, load, the key; keygen and
    /// sign for the county bureau that issues them.
    #[command(subcommand)]
    Reference(cmd_reference::ReferenceCommand),
    /// Run one image file through the scan pipeline and write the normalised JPEG.
    Intake(cmd_scan::IntakeArgs),
    /// List the scanners SANE can see.
    Scanners,
    /// The register of applications (台账) for a range of days, with its counts.
    Ledger(cmd_ledger::LedgerArgs),
    /// The ID-card reader: read the card on it, or list the ports a reader may be on.
    #[command(subcommand)]
    Idcard(cmd_idcard::IdCardCommand),
    /// 诊断信息 for support: versions, schema, queue, warnings, reference data and the end
    /// of the logs, with no personal data (管理员).
    SupportBundle(cmd_office::SupportArgs),
    /// What this build is: its version, the database and record schemas, the templates'
    /// versions, the county profiles and the holiday table's years.
    About,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `--version` says what support asks first: the schemas and the holiday years too
    // (worked out only when asked: reading the embedded tables is not every command's cost).
    if cli.version {
        let line = app::about::about()
            .map_or_else(|_| format!("版本 {}", app::about::VERSION), |about| about.line());
        println!("permitctl {line}");
        return ExitCode::SUCCESS;
    }
    let Some(command) = cli.command else {
        // `arg_required_else_help` has shown the help already for a bare `permitctl`.
        return ExitCode::from(2);
    };
    match command {
        Command::Id { number, today } => id(&number, today.unwrap_or_else(app::clock::today)),
        Command::Deadline(args) => cmd_deadline::run(&args),
        Command::Assess(args) => cmd_assess::run(&args),
        Command::Profiles => cmd_profiles::run(),
        Command::Setup(args) => cmd_office::run_setup(&args),
        Command::Audit(command) => cmd_audit::run(&command),
        Command::ExportPerson(args) => cmd_archive::run(&args),
        Command::Backup(args) => cmd_backup::run_backup(&args),
        Command::Restore(args) => cmd_backup::run_restore(&args),
        Command::Render(args) => cmd_render::run_render(&args),
        Command::VerifySlip(args) => cmd_render::run_verify(&args),
        Command::SlipKey(args) => cmd_office::run_slip_key(&args),
        Command::Sync(args) => cmd_sync::run_sync(&args),
        Command::Outbox(args) => cmd_sync::run_outbox(&args),
        Command::Bundle(command) => cmd_bundle::run(&command),
        Command::PlatformKey(command) => cmd_bundle::run_platform_key(&command),
        Command::Reference(command) => cmd_reference::run(&command),
        Command::Intake(args) => cmd_scan::run_intake(&args),
        Command::Scanners => cmd_scan::run_scanners(),
        Command::Ledger(args) => cmd_ledger::run(&args),
        Command::Idcard(command) => cmd_idcard::run(&command),
        Command::SupportBundle(args) => cmd_office::run_support(&args),
        Command::About => about(),
    }
}

fn id(number: &str, today: NaiveDate) -> ExitCode {
    match app::intake::check_id_number(number, today) {
        Ok(report) => {
            let out = json!({
                "valid": true,
                "normalized": report.normalized,
                "birth_date": report.birth_date,
                "gender": report.gender,
                "region": report.region_name,
                "region_code": report.region_code,
                "age": report.age,
                "errors": [],
            });
            println!("{out:#}");
            ExitCode::SUCCESS
        }
        Err(app::AppError::Validation(issues)) => {
            let out = json!({
                "valid": false,
                "normalized": null,
                "birth_date": null,
                "gender": null,
                "region": null,
                "region_code": null,
                "age": null,
                "errors": issues,
            });
            println!("{out:#}");
            ExitCode::from(1)
        }
        Err(other) => cmd_office::report(&other),
    }
}

/// `permitctl about`: `{"version", "database_schema", "record_schema", "templates": [{"document",
/// "version"}], "profiles": [{"county", "name", "document", "effective", "draft"}],
/// "holiday_years": [{"year", "source"}]}`.
fn about() -> ExitCode {
    match app::about::about() {
        Ok(about) => cmd_office::done(&json!({
            "version": about.version,
            "database_schema": about.database_schema,
            "record_schema": about.record_schema,
            "templates": about.templates.iter().map(|(document, version)| json!({ "document": document, "version": version })).collect::<Vec<_>>(),
            "profiles": about.profiles.iter().map(|profile| json!({
                "county": profile.county,
                "name": profile.name,
                "document": profile.document,
                "effective": profile.effective.map(|day| day.to_string()),
                "draft": profile.draft,
            })).collect::<Vec<_>>(),
            "holiday_years": about.holiday_years.iter().map(|year| json!({ "year": year.year, "source": year.source })).collect::<Vec<_>>(),
        })),
        Err(error) => cmd_office::report(&error),
    }
}
