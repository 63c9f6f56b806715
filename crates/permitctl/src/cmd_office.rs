//! What the office commands share: `--data-dir` and `--user`, the password (from the
//! `PERMITCTL_PASSWORD` environment variable or the first line of stdin, never a flag,
//! so it stays out of the shell history and `ps`), the JSON error document with its exit
//! code, and `permitctl setup` for the first administrator.
//!
//! Exit codes: 0 done, 1 understood refusal (wrong password, locked, missing role,
//! another office's backup, no such person, already set up), 2 usage, IO or damaged files.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use app::AppError;
use app::office::Office;
use serde_json::{Value, json};

/// The environment variable holding the clerk's password.
pub const PASSWORD_ENV: &str = "PERMITCTL_PASSWORD";

/// Where the office is and who is acting.
#[derive(clap::Args)]
pub struct OfficeArgs {
    /// The data directory holding office.db and office.keys.json (`--dir` for short).
    #[arg(long, visible_alias = "dir", value_name = "DIR")]
    pub data_dir: PathBuf,
    /// The clerk's user name (the password comes from PERMITCTL_PASSWORD or stdin).
    #[arg(long, value_name = "USER")]
    pub user: String,
}

/// Arguments of `permitctl setup`.
#[derive(clap::Args)]
pub struct SetupArgs {
    #[command(flatten)]
    office: OfficeArgs,
    /// The office id, e.g. `330424-haiyan-01`.
    #[arg(long)]
    office_id: String,
}

/// Reads the password from the environment or the first line of stdin.
pub fn password() -> Result<String, ExitCode> {
    if let Ok(password) = std::env::var(PASSWORD_ENV) {
        return Ok(password);
    }
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(_) if !line.trim_end_matches(['\r', '\n']).is_empty() => {
            Ok(line.trim_end_matches(['\r', '\n']).to_owned())
        }
        _ => Err(fail(2, "PASSWORD_MISSING", format!("请通过环境变量 {PASSWORD_ENV} 或标准输入提供密码。"))),
    }
}

/// Opens the office as `--user` with the password, or prints the error.
pub fn open(args: &OfficeArgs) -> Result<Office, ExitCode> {
    let password = password()?;
    Office::open(&args.data_dir, &args.user, &password, app::clock::now().to_utc()).map_err(|e| report(&e))
}

/// Runs `permitctl slip-key`: `{"public_key", "key_id"}` of the office key that signs
/// its confirmation slips (created on first use; the same after a backup is restored).
/// Give `public_key` to `verify-slip --public-key` wherever slips are checked.
pub fn run_slip_key(args: &OfficeArgs) -> ExitCode {
    let mut office = match open(args) {
        Ok(office) => office,
        Err(code) => return code,
    };
    match app::printing::slip_public_key(&mut office, app::clock::now().to_utc()) {
        Ok((public_key, key_id)) => done(&json!({ "public_key": public_key, "key_id": key_id })),
        Err(error) => report(&error),
    }
}

/// Prints `value` and exits 0.
pub fn done(value: &Value) -> ExitCode {
    println!("{value:#}");
    ExitCode::SUCCESS
}

/// Prints `{"error": {"code", "message"}}` and returns the exit code.
pub fn fail(exit_code: u8, code: &str, message: String) -> ExitCode {
    println!("{:#}", json!({ "error": { "code": code, "message": message } }));
    ExitCode::from(exit_code)
}

/// Prints an application error as JSON with its code; no personal data is in it.
pub fn report(error: &AppError) -> ExitCode {
    use store_error::describe;
    let (exit_code, code, message) = describe(error);
    eprintln!("permitctl: {error}");
    fail(exit_code, code, message)
}

mod store_error {
    use app::AppError;
    use app::error::StoreError;

    /// Exit code, stable code and Chinese sentence of the errors an operator meets here.
    /// The shell has the complete table (`src-tauri/src/error.rs`); other errors are
    /// reported with a generic code and the English text on stderr.
    pub fn describe(error: &AppError) -> (u8, &'static str, String) {
        let text = error.to_string();
        match error {
            AppError::Store(store) => match store {
                StoreError::WrongPassword | StoreError::UnknownUser { .. } => {
                    (1, "WRONG_PASSWORD", "用户名或密码不正确。".to_owned())
                }
                StoreError::LockedOut { until } => {
                    let local = until.with_timezone(&app::clock::china_standard_time());
                    (1, "LOCKED_OUT", format!("连续输错次数过多，账户已锁定至 {}。", local.format("%H:%M")))
                }
                StoreError::AccountDisabled { .. } => (1, "ACCOUNT_DISABLED", "该账户已停用。".to_owned()),
                StoreError::NotInitialised { .. } => {
                    (1, "OFFICE_NOT_SET_UP", "该目录中还没有办理点数据库，请先运行 setup。".to_owned())
                }
                StoreError::AlreadyExists { .. } => {
                    (1, "OFFICE_ALREADY_SET_UP", "该目录中已有办理点数据库，不会覆盖。".to_owned())
                }
                StoreError::Forbidden { .. } => {
                    (1, "ROLE_MISSING", "您的账户没有办理此项操作的权限。".to_owned())
                }
                StoreError::WeakPassword { min_chars } => {
                    (1, "WEAK_PASSWORD", format!("密码太短，至少需要 {min_chars} 个字符。"))
                }
                StoreError::Corrupt { .. }
                | StoreError::KeyMismatch
                | StoreError::KeySlotsMissing { .. }
                | StoreError::DatabaseMissing { .. }
                | StoreError::KeySlotsDamaged { .. } => (
                    2,
                    "DATABASE_DAMAGED",
                    "数据库文件损坏、不完整或与密钥文件不匹配，请从备份恢复。".to_owned(),
                ),
                _ => (2, "STORE_ERROR", format!("数据库操作失败（{text}）。")),
            },
            AppError::RoleMissing { .. } => {
                (1, "ROLE_MISSING", "您的账户没有办理此项操作的权限。".to_owned())
            }
            AppError::NotLoggedIn => (1, "NOT_LOGGED_IN", "请先登录。".to_owned()),
            AppError::PersonNotFound => (1, "PERSON_NOT_FOUND", "没有找到此公民身份号码的案件。".to_owned()),
            AppError::OtherOffice { backup_office, this_office } => (
                1,
                "BACKUP_OTHER_OFFICE",
                format!(
                    "备份属于办理点 {backup_office}，当前为 {this_office}；确认恢复请加 --force-other-office。"
                ),
            ),
            AppError::BackupInvalid { .. } => (2, "BACKUP_INVALID", "备份文件无法识别或已损坏。".to_owned()),
            AppError::Io { .. } => (2, "FILE_ERROR", format!("文件读写失败（{text}）。")),
            AppError::BundleFile(file) => (2, file.code(), file.message_zh()),
            AppError::Validation(issues) if !issues.is_empty() => (
                1,
                issues[0].code,
                issues.iter().map(|issue| issue.message.as_str()).collect::<Vec<_>>().join(" "),
            ),
            _ => (2, "INTERNAL", format!("操作失败（{text}）。")),
        }
    }
}

/// Runs `permitctl setup`: creates the office store with its first administrator.
pub fn run_setup(args: &SetupArgs) -> ExitCode {
    let password = match password() {
        Ok(password) => password,
        Err(code) => return code,
    };
    let now = app::clock::now().to_utc();
    match Office::set_up(&args.office.data_dir, &args.office_id, &args.office.user, &password, now) {
        Ok(office) => {
            let out = json!({ "office_id": office.office_id(), "admin": office.session().map(|s| s.username().to_owned()).ok() });
            match office.close() {
                Ok(()) => done(&out),
                Err(error) => report(&error),
            }
        }
        Err(error) => report(&error),
    }
}
