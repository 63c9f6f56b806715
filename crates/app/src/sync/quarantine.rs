//! The supervisor's view of the outbox: records the platform refused (被退回的记录), why
//! and what to do next, resending and 更正后重报, and the platform's decisions per case.

use super::*;

/// One outbox record for the supervisor view and `permitctl outbox`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// The record's id (its idempotency key); pass it to [`resend`].
    pub id: OutboxId,
    /// The case.
    pub case_id: Option<CaseId>,
    /// Delivery state.
    pub status: OutboxStatus,
    /// What it reports, in Chinese (e.g. `状态变更：已审核 → 已审批`).
    pub summary: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// Last change (for a quarantined record: when it was set aside).
    pub updated_at: DateTime<Utc>,
    /// The platform's code, for a quarantined record.
    pub code: Option<String>,
    /// The last error or the platform's reason, as received.
    pub detail: Option<String>,
    /// Why it is quarantined or stuck, in Chinese, for the clerk.
    pub reason_zh: Option<String>,
    /// For a quarantined record: who must do what next, in Chinese ([`next_step_zh`]).
    pub next_step_zh: Option<String>,
    /// The applicant's name (filled by [`quarantined`] for the supervisor's view).
    pub applicant: Option<String>,
    /// The case's 申请编号, once given (filled by [`quarantined`]).
    pub application_number: Option<String>,
    /// A quarantined submission refused for its content: its application can be corrected
    /// and sent again ([`correct_and_resend`]).
    pub correctable: bool,
}

/// The outbox for `permitctl outbox`: what waits and what is set aside.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxListing {
    /// Records not yet confirmed, in queue order (at most the limit asked for).
    pub queued: Vec<OutboxEntry>,
    /// Quarantined records, oldest first.
    pub quarantined: Vec<OutboxEntry>,
}

/// A decision of the platform about one case, for the case page.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseDecision {
    /// The platform's cursor.
    pub cursor: u64,
    /// The kind as the platform names it (`permit_issued`, `rejected`, `sms_sent`…).
    pub kind: String,
    /// In Chinese, e.g. `省平台签发居住证 3300…` or `省平台不予通过：…`.
    pub summary: String,
    /// What the app did: `applied`, `recorded`, `not_applied: …`.
    pub outcome: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// Why the platform refused a record, in Chinese, from its stable code and its reason.
pub fn quarantine_reason_zh(code: Option<&str>, reason: Option<&str>) -> String {
    use platform_api::code;
    let reason = reason.unwrap_or("").trim();
    let with_reason =
        |text: &str| if reason.is_empty() { format!("{text}。") } else { format!("{text}：{reason}") };
    match code {
        Some(code::RECORD_INVALID) => with_reason("省平台认为记录内容不合规"),
        Some(code::RECORD_ID_INVALID) => with_reason("记录编号不合规"),
        Some(code::SEQUENCE_OUT_OF_ORDER) => "记录顺序与省平台已收到的不一致，需人工核对该案件。".to_owned(),
        Some(code::CASE_OWNED_ELSEWHERE) => "该案件已由其他办理点向省平台上报，需人工核对。".to_owned(),
        Some(code::BODY_INVALID) => with_reason("省平台无法读取该记录"),
        // Who signed a step (issue 18): the platform's reason already says it in Chinese.
        Some(code::STEP_NOT_SIGNED)
        | Some(code::STEP_SIGNATURE_INVALID)
        | Some(code::CLERK_KEY_UNTRUSTED)
        | Some(code::APPROVAL_NOT_SEPARATED) => with_reason("省平台不认可该环节的办理人签名"),
        Some(QuarantineReason::CONFLICT) => {
            "省平台已有同一编号但内容不同的记录（冲突），重发不会改变结果，需与省平台核对。".to_owned()
        }
        Some(QuarantineReason::BLOB_MISSING_LOCALLY) => "本机缺少该扫描页，请重新扫描后重发。".to_owned(),
        Some(QuarantineReason::BLOB_REFUSED) => with_reason("省平台拒收该扫描页"),
        Some(other) => with_reason(&format!("省平台拒收（{other}）")),
        None => with_reason("省平台拒收"),
    }
}

fn state_label(stored: Option<&str>) -> &'static str {
    stored.and_then(CaseState::parse).map_or("?", CaseState::label)
}

fn entry(item: OutboxItem) -> OutboxEntry {
    let summary = match item.kind.as_str() {
        "case_state_changed" => format!(
            "状态变更：{} → {}",
            state_label(item.payload["from"].as_str()),
            state_label(item.payload["to"].as_str())
        ),
        "page_metadata" => {
            let position = item.payload["position"].as_u64().unwrap_or(0);
            match item.payload["action"].as_str() {
                Some("changed") => format!("扫描页调整：第 {position} 页"),
                _ => format!("扫描页：第 {position} 页"),
            }
        }
        other => other.to_owned(),
    };
    let correctable = item.status == OutboxStatus::Quarantined
        && item.kind == "case_state_changed"
        && !item.payload["record"].is_null()
        && item.quarantine_code.as_deref() != Some(QuarantineReason::CONFLICT);
    let next_step_zh = match item.status {
        OutboxStatus::Quarantined => Some(next_step_zh(item.quarantine_code.as_deref()).to_owned()),
        OutboxStatus::Queued | OutboxStatus::Sent | OutboxStatus::Confirmed => None,
    };
    let reason_zh = match item.status {
        OutboxStatus::Quarantined => {
            Some(quarantine_reason_zh(item.quarantine_code.as_deref(), item.last_error.as_deref()))
        }
        OutboxStatus::Queued | OutboxStatus::Sent | OutboxStatus::Confirmed => {
            item.last_error.as_ref().map(|_| "上次发送未成功，将自动重试。".to_owned())
        }
    };
    OutboxEntry {
        id: item.id,
        case_id: item.case_id,
        status: item.status,
        summary,
        attempts: item.attempts,
        queued_at: item.created_at,
        updated_at: item.updated_at,
        code: item.quarantine_code,
        detail: item.last_error,
        reason_zh,
        correctable,
        next_step_zh,
        applicant: None,
        application_number: None,
    }
}

/// What to do about a refused application that was reviewed (or approved) before the
/// refusal came back.
const LATER_STEPS_SIGNED_ZH: &str = "该申请在被省平台退回前已经审核（或审批），审核人、审批人签名的是被退回的内容，不能直接更正后重报：请审批人与省平台核对，更正后须重新受理、审核、审批。";

/// Who must do what about a record the platform refused, by its code: plain steps for
/// the supervisor, never just the code.
pub fn next_step_zh(code: Option<&str>) -> &'static str {
    use platform_api::code;
    match code {
        Some(code::RECORD_INVALID) | Some(code::BODY_INVALID) => {
            "请受理人打开该案件核对申请表，按退回原因更正；省平台规则已调整的，由审批人或管理员“重新发送”。原因不明时请致电省平台。"
        }
        Some(code::RECORD_ID_INVALID) => "请管理员联系技术支持：本机生成的记录编号不合规，重发不会改变结果。",
        Some(code::SEQUENCE_OUT_OF_ORDER) => {
            "请管理员与省平台核对该案件已收到的记录；核对清楚前不要重新发送，该案件之后的记录会一直等待。"
        }
        Some(code::CASE_OWNED_ELSEWHERE) => {
            "请审批人与省平台及另一办理点核实该申请是否重复受理；确认本案有效后，由省平台处理后再重新发送。"
        }
        Some(code::CLERK_KEY_UNTRUSTED) => {
            "请管理员登录一次（确认待确认的签名密钥），在人员管理中核对该办理人的签名密钥，然后“重新发送”；密钥已注销的，该环节须由在岗人员重新办理。"
        }
        Some(code::STEP_NOT_SIGNED)
        | Some(code::STEP_SIGNATURE_INVALID)
        | Some(code::APPROVAL_NOT_SEPARATED) => {
            "这可能是本机数据被改动的迹象：请管理员不要重新发送，立即与省平台核对该案件的受理、审核、审批由谁办理，并保留本机数据和备份以便核查。"
        }
        Some(QuarantineReason::CONFLICT) => {
            "请管理员与省平台核对：省平台已有同一编号但内容不同的记录，重发不会改变结果。"
        }
        Some(QuarantineReason::BLOB_MISSING_LOCALLY) => {
            "请受理人打开该案件，重新扫描缺失的证明材料页面，然后由审批人或管理员“重新发送”。"
        }
        Some(QuarantineReason::BLOB_REFUSED) => {
            "请受理人重新扫描该页（清晰、完整、不超过大小限制），然后由审批人或管理员“重新发送”。"
        }
        _ => "请审批人或管理员按退回原因处理后“重新发送”；需要时致电省平台。",
    }
}

/// The supervisor view: quarantined records, oldest first, with the platform's reason in
/// Chinese. Needs 审批 or 管理员.
pub fn quarantined(office: &Office) -> Result<Vec<OutboxEntry>, AppError> {
    office.clerk_with_any_role(Roles::APPROVE | Roles::ADMIN)?;
    let mut entries: Vec<OutboxEntry> =
        office.store.outbox_quarantined(1000)?.into_iter().map(entry).collect();
    // An application reviewed or approved on top of the refused one cannot be corrected:
    // those clerks signed what was refused (issue 18).
    for entry in &mut entries {
        if entry.correctable && !office.store.correction_possible(&entry.id)? {
            entry.correctable = false;
            entry.next_step_zh = Some(LATER_STEPS_SIGNED_ZH.to_owned());
        }
    }
    // The supervisor finds the case by the applicant and the 申请编号, not by an internal id.
    for entry in &mut entries {
        if let Some(case_id) = entry.case_id
            && let Ok(case) = office.store.read_case(&case_id)
        {
            entry.applicant = case.name;
            entry.application_number = case.application_number;
        }
    }
    Ok(entries)
}

/// What waits in the outbox (up to `limit` queued records) and what is quarantined.
/// Needs any role.
pub fn outbox(office: &Office, limit: u32) -> Result<OutboxListing, AppError> {
    office.clerk_with_any_role(Roles::ACCEPT | Roles::REVIEW | Roles::APPROVE | Roles::ADMIN)?;
    Ok(OutboxListing {
        queued: office.store.outbox_pending(limit)?.into_iter().map(entry).collect(),
        quarantined: office.store.outbox_quarantined(1000)?.into_iter().map(entry).collect(),
    })
}

/// 更正后重报: the clerk corrected the application the platform refused (a quarantined
/// submission); the case's record becomes the corrected one and the record is queued
/// again under its id with the corrected application, audited as `record_corrected` with
/// the changed field paths. Needs 受理 or 审批 (it changes an application).
pub fn correct_and_resend(
    office: &mut Office,
    id: &OutboxId,
    record: &ApplicationRecord,
    now: DateTime<Utc>,
) -> Result<CaseId, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ACCEPT | Roles::APPROVE)?;
    // The application as the counter submitted it: the opinions travel with their steps and
    // the number with the record's envelope, as in the original submission.
    let mut record = record.clone();
    record.opinions = Default::default();
    record.application_number.clear();
    let record = &record;
    let value = serde_json::to_value(record).map_err(|error| AppError::Record(error.into()))?;
    let mut index = crate::cases::index_of(record, now);
    index.slip_required = record.needs_paper_slip();
    Ok(office.store.correct_quarantined(&session, id, &value, &index, now)?)
}

/// Fix and resend: releases a quarantined record to be sent again with the same id and
/// content at the next sync (records are frozen; the fix is on the platform's side or in
/// its rules, e.g. after a reference-data update). Its case's later records follow it.
/// Audited as `sync_requeued` with the clerk. Needs 审批 or 管理员.
pub fn resend(office: &mut Office, id: &OutboxId, now: DateTime<Utc>) -> Result<(), AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::APPROVE | Roles::ADMIN)?;
    Ok(office.store.outbox_requeue(&session, id, now)?)
}

/// The platform's decisions about a case, oldest first, for the case page (the permit
/// number, a rejection's reasons, the SMS). Needs any role.
pub fn case_decisions(office: &Office, case_id: &CaseId) -> Result<Vec<CaseDecision>, AppError> {
    office.clerk_with_any_role(Roles::ACCEPT | Roles::REVIEW | Roles::APPROVE | Roles::ADMIN)?;
    Ok(office
        .store
        .platform_decisions(case_id)?
        .into_iter()
        .map(|stored| {
            let summary = match serde_json::from_value::<platform_api::Decision>(stored.decision.clone()) {
                Ok(decision) => match decision.kind {
                    DecisionKind::PermitIssued { permit_number, valid_from, valid_until } => {
                        format!("省平台签发居住证 {permit_number}（有效期 {valid_from} 至 {valid_until}）")
                    }
                    DecisionKind::Rejected { reasons } => format!("省平台不予通过：{}", reasons.join("；")),
                    DecisionKind::SmsSent => "省平台已发送短信通知申请人".to_owned(),
                    DecisionKind::OldPermitCancelled => "省平台已注销原居住证".to_owned(),
                    DecisionKind::ReferenceUpdated { name, version } => {
                        format!("参考数据 {name} 更新至 {version}")
                    }
                    DecisionKind::Unknown => format!("省平台决定（{}）", stored.kind),
                },
                Err(_) => format!("省平台决定（{}）", stored.kind),
            };
            CaseDecision {
                cursor: stored.cursor,
                kind: stored.kind,
                summary,
                outcome: stored.outcome,
                received_at: stored.received_at,
            }
        })
        .collect())
}
