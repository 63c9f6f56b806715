//! The audit trail: verifying the hash chain and reading its head to anchor elsewhere.
//!
//! Every use case audits through the store as it runs; this module only checks the
//! trail. A verify reads every row, so it is a maintenance command (`permitctl audit
//! verify`), not something the window runs at log-in.

pub use store::{AuditHead, AuditProblem, AuditReport, StateSealProblem};

use crate::AppError;
use crate::office::{Office, Roles};

/// Recomputes the whole chain and reports the first row that does not check out. Needs
/// 管理员.
pub fn verify(office: &Office) -> Result<AuditReport, AppError> {
    office.clerk_with_any_role(Roles::ADMIN)?;
    Ok(office.store.audit_verify()?)
}

/// The state seal's check (issue 18), here and now: whether the clerks, cases, state
/// changes, queue, page records, ratings and clerk keys are as the program's own writes
/// left them. `None`: intact. Needs 管理员.
pub fn state_seal(office: &Office) -> Result<Option<StateSealProblem>, AppError> {
    office.clerk_with_any_role(Roles::ADMIN)?;
    Ok(office.store.state_seal_check()?)
}

/// Reads every page of the database and checks it: SQLCipher's page authentication and
/// SQLite's structure. One line per problem (which page, which table or index); empty when
/// the file is whole. Slow on a large office: a maintenance command's. Needs 管理员.
pub fn check_database(office: &Office) -> Result<Vec<String>, AppError> {
    office.clerk_with_any_role(Roles::ADMIN)?;
    Ok(office.store.integrity_problems()?)
}

/// The last link of the chain (sequence number and hash), to write down outside this PC.
pub fn head(office: &Office) -> Result<Option<AuditHead>, AppError> {
    office.clerk_with_any_role(Roles::ADMIN)?;
    Ok(office.store.audit_head()?)
}

/// One row of a case's audit trail, as the case page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditLine {
    /// Position in the chain.
    pub seq: i64,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The clerk's user name (or a system actor such as `sync`).
    pub actor: String,
    /// The stored action name, e.g. `printed`.
    pub action: String,
    /// The action in Chinese, e.g. 打印.
    pub action_label: &'static str,
    /// What changed (never personal values).
    pub details: serde_json::Value,
}

/// The last `limit` audit rows of one case, newest first. Needs a case role or 管理员.
pub fn case_trail(
    office: &Office,
    case_id: &crate::cases::CaseId,
    limit: u32,
) -> Result<Vec<AuditLine>, AppError> {
    office.clerk_with_any_role(Roles::ACCEPT | Roles::REVIEW | Roles::APPROVE | Roles::ADMIN)?;
    Ok(office
        .store
        .audit_latest(case_id, limit)?
        .into_iter()
        .map(|entry| AuditLine {
            seq: entry.seq,
            at: entry.at,
            action_label: action_label(&entry.action),
            actor: entry.actor,
            action: entry.action,
            details: entry.details,
        })
        .collect())
}

/// A one-line Chinese summary of a row's details, where the case page has one to show
/// (prints: document, template, printer, copies, outcome).
pub fn summary(line: &AuditLine) -> String {
    let text = |key: &str| line.details.get(key).and_then(serde_json::Value::as_str).unwrap_or("");
    match line.action.as_str() {
        "printed" => {
            let document = crate::printing::document_in_audit(text("document"))
                .map(crate::printing::Document::label)
                .unwrap_or(if text("document") == "confirmation_slip" { "确认单" } else { "文书" });
            let copies = line.details.get("copies").and_then(serde_json::Value::as_u64).unwrap_or(1);
            let outcome = match text("outcome") {
                "failed" => format!("失败（{}）", text("error")),
                "waiting" => format!("在打印机排队（{}），打印完成时记下", text("error")),
                "sent_to_browser" => "已发送到浏览器打印（是否打出以纸面为准）".to_owned(),
                _ if !text("queued_at").is_empty() => format!("排队后打印完成（{} 发送）", text("queued_by")),
                _ => "完成".to_owned(),
            };
            let mut parts = vec![document.to_owned()];
            if !text("template").is_empty() {
                parts.push(format!("模板 {}", text("template")));
            }
            if !text("printer").is_empty() {
                parts.push(format!("打印机 {}", text("printer")));
                parts.push(format!("{copies} 份"));
                parts.push(outcome);
            }
            parts.join(" · ")
        }
        "page_marked" => {
            let position = line.details.get("position").and_then(serde_json::Value::as_u64).unwrap_or(0);
            match domain::review::PageMark::from_key(text("to")) {
                Some(mark) => format!("第{position}页 标记为{}", mark.label()),
                None => format!("第{position}页 清除标记"),
            }
        }
        "clerk_key_certified" => {
            let by = match text("issuer") {
                "self"
                    if line.details.get("administrator").and_then(serde_json::Value::as_bool)
                        == Some(true) =>
                {
                    "本办理点根密钥".to_owned()
                }
                "self" => "待管理员确认".to_owned(),
                issuer => format!("由 {issuer} 签发"),
            };
            format!("{} 的密钥 {} · {by}", text("username"), text("fingerprint"))
        }
        // Which step: 草稿 → 已受理, 已受理 → 已审核, … (the row's `from` and `to`).
        "case_state_changed" => {
            let label = |key: &str| domain::case::CaseState::parse(key).map(domain::case::CaseState::label);
            match (label(text("from")), label(text("to"))) {
                (Some(from), Some(to)) => format!("{from} → {to}"),
                _ => String::new(),
            }
        }
        "rated" => domain::rating::RatingLevel::from_key(text("level"))
            .map(|level| level.label().to_owned())
            .unwrap_or_default(),
        "office_ca_created" => format!("指纹 {}", text("fingerprint")),
        "desk_joined" => format!("{} · 证书指纹 {}", text("desk"), text("fingerprint")),
        "desk_revoked" => format!("{} · 证书指纹 {}", text("desk"), text("fingerprint")),
        _ => String::new(),
    }
}

/// The Chinese name of a stored audit action.
pub fn action_label(action: &str) -> &'static str {
    match action {
        "case_created" => "新建案件",
        "draft_saved" => "保存草稿",
        "case_state_changed" => "办理环节",
        "case_viewed" => "查阅",
        "searched" => "查找",
        "duplicate_check" => "重复申请核查",
        "duplicate_decision" => "重复申请确认",
        "printed" => "打印",
        "exported" => "导出",
        "sync_sent" => "上传",
        "sync_confirmed" => "上传确认",
        "sync_failed" => "上传失败",
        "sync_quarantined" => "上传被拒",
        "office_details_set" => "设置办理点信息",
        "print_settings_set" => "更改打印设置",
        "clock_confirmed" => "确认系统时间",
        "profile_effective_set" => "登记政策文件施行日期",
        "user_reenabled" => "重新启用账户",
        "record_corrected" => "更正后重报",
        "page_added" => "添加扫描页",
        "page_changed" => "调整扫描页",
        "page_deleted" => "删除扫描页",
        "page_marked" => "审核标记扫描页",
        "rated" => "申请人评价（好差评）",
        "clerk_key_certified" => "登记签名密钥",
        "office_ca_created" => "建立办理点证书颁发机构",
        "desk_joined" => "新电脑加入办理点",
        "desk_revoked" => "办理台被移出办理点",
        "server_unlock_created" => "设置办理点服务器开启密钥",
        "server_unlock_removed" => "撤销办理点服务器开启密钥",
        "server_opened" => "办理点服务器开启",
        "database_rekeyed" => "数据库换用新密钥",
        "device_key_change_ordered" => "更换本机设备密钥（待省平台确认）",
        "device_key_changed" => "本机设备密钥已更换",
        "device_key_change_refused" => "省平台未接受更换设备密钥",
        "device_identity_carried_over" => "恢复备份后沿用原设备身份",
        "ledger_viewed" => "查阅台账",
        "reference_key_set" => "设置参考数据签发公钥",
        "reference_update_loaded" => "载入参考数据更新",
        _ => "其他",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(action: &str, details: serde_json::Value) -> AuditLine {
        AuditLine {
            seq: 1,
            at: chrono::DateTime::UNIX_EPOCH,
            actor: "a".to_owned(),
            action: action.to_owned(),
            action_label: action_label(action),
            details,
        }
    }

    #[test]
    fn a_step_row_says_which_step() {
        let step = line("case_state_changed", serde_json::json!({ "from": "draft", "to": "accepted" }));
        assert_eq!(summary(&step), "草稿 → 已受理");
        let notice = line("case_state_changed", serde_json::json!({ "from": "draft", "to": "refused" }));
        assert_eq!(summary(&notice), "草稿 → 已一次性告知");
        let unknown = line("case_state_changed", serde_json::json!({ "from": "draft", "to": "somewhere" }));
        assert_eq!(summary(&unknown), "", "an unknown state shows nothing rather than a key");
    }
}
