//! `permitctl sync --platform URL` (drain the outbox once and pull decisions) and
//! `permitctl outbox` (what is queued and what is quarantined).
//!
//! `sync` prints progress lines on stderr (`已处理 120/500`) and one JSON summary on
//! stdout; exit 0 when everything sendable went out and decisions were pulled, 1 when the
//! sync ended early (offline, platform unavailable, device not enrolled: the JSON's
//! `problem` says which, the records stay queued), 2 when the office cannot be opened.
//! Syncing runs as the system actor `sync`; the clerk's password only unlocks the office.

use std::process::ExitCode;

use app::sync::{self, DrainOptions, OutboxEntry, SyncConfig};
use serde_json::{Value, json};

use crate::cmd_office::{self, OfficeArgs};

/// Arguments of `permitctl sync`.
#[derive(clap::Args)]
pub struct SyncArgs {
    /// The platform's base URL: https://…, or http:// to a loopback stand-in.
    #[arg(long, value_name = "URL")]
    platform: String,
    /// Device id to create this installation's identity with on its first sync
    /// (default: from the office id). Ignored once the identity exists.
    #[arg(long, value_name = "ID")]
    device_id: Option<String>,
    /// One-time enrolment code: enrol this installation's key on the platform first.
    #[arg(long, value_name = "CODE")]
    enrolment_code: Option<String>,
    /// Failed requests in a row before giving up for this run (records stay queued).
    #[arg(long, default_value_t = 2)]
    retries: u32,
    #[command(flatten)]
    office: OfficeArgs,
}

/// Arguments of `permitctl outbox`.
#[derive(clap::Args)]
pub struct OutboxArgs {
    /// At most this many queued records are listed (all are counted).
    #[arg(long, default_value_t = 100)]
    limit: u32,
    #[command(flatten)]
    office: OfficeArgs,
}

/// Runs `permitctl sync`.
pub fn run_sync(args: &SyncArgs) -> ExitCode {
    let mut office = match cmd_office::open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let mut config = SyncConfig::new(&args.platform);
    config.device_id = args.device_id.clone();
    config.enrolment_code = args.enrolment_code.clone();
    config.drain = DrainOptions { max_retries: args.retries, ..DrainOptions::default() };
    let mut last = None;
    let result = sync::sync_once(&mut office, &config, |done, total| {
        if last != Some((done, total)) {
            eprintln!("已处理 {done}/{total}");
            last = Some((done, total));
        }
    });
    let status = result.as_ref().ok().map(|_| sync::sync_status(&office));
    let closed = office.close();
    let report = match (result, closed) {
        (Ok(report), Ok(())) => report,
        (Err(error), _) | (Ok(_), Err(error)) => return cmd_office::report(&error),
    };
    let queued = match status {
        Some(Ok(status)) => {
            json!({ "queued": status.queued, "held": status.held, "quarantined": status.quarantined })
        }
        _ => Value::Null,
    };
    let out = json!({
        "device_id": report.device_id,
        "sent": report.sent,
        "confirmed": report.confirmed,
        "duplicates": report.duplicates,
        "quarantined": report.quarantined,
        "remaining": report.remaining,
        "decisions": report.decisions,
        "issued": report.issued.iter().map(|issued| json!({
            "case_id": issued.case_id.to_string(),
            "permit_number": issued.permit_number,
        })).collect::<Vec<_>>(),
        "rejected": report.rejected.iter().map(|rejected| json!({
            "case_id": rejected.case_id.to_string(),
            "reasons": rejected.reasons,
        })).collect::<Vec<_>>(),
        "outbox": queued,
        "problem": report.problem.as_ref().map(|problem| json!({
            "code": problem.code,
            "message": problem.message,
            "offline": problem.offline,
            "needs_person": problem.needs_person,
        })),
    });
    match &report.problem {
        None => {
            eprintln!(
                "同步完成：确认 {}，隔离 {}，收到平台决定 {}。",
                report.confirmed, report.quarantined, report.decisions
            );
            cmd_office::done(&out)
        }
        Some(problem) => {
            eprintln!("同步未完成：{}", problem.message);
            println!("{out:#}");
            ExitCode::from(1)
        }
    }
}

fn entry_json(entry: &OutboxEntry) -> Value {
    json!({
        "id": entry.id.to_string(),
        "case_id": entry.case_id.map(|id| id.to_string()),
        "status": entry.status.as_str(),
        "summary": entry.summary,
        "attempts": entry.attempts,
        "queued_at": entry.queued_at,
        "updated_at": entry.updated_at,
        "code": entry.code,
        "detail": entry.detail,
        "reason": entry.reason_zh,
    })
}

/// Runs `permitctl outbox`.
pub fn run_outbox(args: &OutboxArgs) -> ExitCode {
    let office = match cmd_office::open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let listing = sync::outbox(&office, args.limit);
    let status = sync::sync_status(&office);
    let closed = office.close();
    let (listing, status) = match (listing, status, closed) {
        (Ok(listing), Ok(status), Ok(())) => (listing, status),
        (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => return cmd_office::report(&error),
    };
    cmd_office::done(&json!({
        "queued_count": status.queued,
        "held_count": status.held,
        "quarantined_count": status.quarantined,
        "oldest_queued_at": status.oldest_queued_at,
        "last_success_at": status.last_success_at,
        "last_error": status.last_error,
        "device_id": status.device_id,
        "queued": listing.queued.iter().map(entry_json).collect::<Vec<_>>(),
        "quarantined": listing.quarantined.iter().map(entry_json).collect::<Vec<_>>(),
    }))
}
