// What the window does with each error code: the one table. The codes and their Chinese
// sentences come from the Rust catalogue (crates/app/src/problem.rs, `ErrorCode` in
// bindings.ts); a new code does not compile here until it has a line.
import type { ErrorCode } from "./bindings";
import { IpcError, type ClientErrorCode } from "./backend/types";
import { session, signedOut } from "./stores/session";
import { t } from "./locales";

/** Beyond showing the sentence where the clerk acted. */
export type Reaction =
  /** Show the sentence where the clerk acted. */
  | "show"
  /** The sentence, and each field's own beside the field it names. */
  | "fields"
  /** The session is gone (log-out, idle lock elsewhere): back to the log-in screen. */
  | "login"
  /** The backend locked the office after the idle limit: the log-in screen, for the same
   *  clerk (the form being typed is kept, as after the window's own lock). */
  | "locked"
  /** The case changed under the clerk: load it again, then show the sentence. */
  | "reload";

export const REACTIONS: Record<ErrorCode | ClientErrorCode, Reaction> = {
  VALIDATION: "fields",
  INVALID_INPUT: "show",
  NOT_LOGGED_IN: "login",
  IDLE_LOCKED: "locked",
  DESK_REQUEST_REFUSED: "login",
  JOIN_CODE_INVALID: "show",
  DESK_NOT_JOINED: "show",
  DESK_REVOKED: "show",
  SERVER_ADDRESS_INVALID: "show",
  SERVER_UNREACHABLE: "show",
  NOT_AN_OFFICE_SERVER: "show",
  DESK_FILE_DAMAGED: "show",
  // The window shows the forced 修改密码 dialog already; the sentence says why.
  PASSWORD_CHANGE_REQUIRED: "show",
  ROLE_MISSING: "show",
  SEPARATION_OF_DUTIES: "show",
  WRONG_PASSWORD: "show",
  LOCKED_OUT: "show",
  ACCOUNT_DISABLED: "show",
  WEAK_PASSWORD: "show",
  USER_EXISTS: "show",
  NO_ROLES: "show",
  LAST_ADMIN: "show",
  OFFICE_NOT_SET_UP: "show",
  OFFICE_ALREADY_SET_UP: "show",
  DATABASE_DAMAGED: "show",
  KEY_SLOTS_DAMAGED: "show",
  KEY_MISMATCH: "show",
  SERVER_UNLOCK_INVALID: "show",
  DATABASE_TOO_NEW: "show",
  DATABASE_CHECK_WAITING: "show",
  OFFICE_BUSY: "show",
  OFFICE_OPEN_ELSEWHERE: "show",
  DISK_FULL: "show",
  DATA_READ_ONLY: "show",
  ENCRYPTION_UNAVAILABLE: "show",
  APPLICATION_NUMBER_TAKEN: "show",
  NOT_FOUND: "show",
  CASE_CHANGED: "reload",
  PAGE_FROZEN: "show",
  PERSON_NOT_FOUND: "show",
  BACKUP_OTHER_OFFICE: "show",
  BACKUP_NOT_YOURS: "show",
  BACKUP_INVALID: "show",
  FILE_ERROR: "show",
  CASE_STEP_NOT_ALLOWED: "show",
  CASE_NOTICE_REQUIRED: "show",
  CASE_NOTHING_TO_NOTIFY: "show",
  CASE_DECISION_MISMATCH: "show",
  CASE_NOT_EXISTING_PERMIT: "show",
  CASE_TEXT_MISSING: "show",
  CASE_ACTOR_INCOMPLETE: "show",
  CASE_TIME_BEFORE_LAST_STEP: "show",
  DOCUMENT_NOT_AVAILABLE: "show",
  OFFICE_NOT_CONFIGURED: "show",
  REFERENCE_UPDATE_UNREADABLE: "show",
  REFERENCE_KEY_MISSING: "show",
  REFERENCE_UPDATE_SIGNATURE_INVALID: "show",
  REFERENCE_UPDATE_KIND_UNSUPPORTED: "show",
  REFERENCE_UPDATE_NOT_NEWER: "show",
  REFERENCE_UPDATE_CONTENT_INVALID: "show",
  REFERENCE_DATA_INVALID: "show",
  PROFILE_INVALID: "show",
  PROFILE_UNKNOWN: "show",
  RECORD_INVALID: "show",
  RECORD_VERSION_UNSUPPORTED: "show",
  CASE_INVALID: "show",
  CALENDAR_YEAR_NOT_COVERED: "show",
  CALENDAR_TABLE_INVALID: "show",
  CALENDAR_DATE_OUT_OF_RANGE: "show",
  SLIP_UNREADABLE: "show",
  SLIP_OTHER_OFFICE: "show",
  SLIP_SIGNATURE_INVALID: "show",
  REFUSAL_NOT_AVAILABLE: "show",
  PRINT_FONT_INVALID: "show",
  PRINT_TEMPLATE_INVALID: "show",
  LEDGER_SPREADSHEET_FAILED: "show",
  IDCARD_READER_MISSING: "show",
  IDCARD_NO_CARD: "show",
  IDCARD_READ_FAILED: "show",
  IDCARD_NOT_GENUINE: "show",
  IDCARD_READER_FAULT: "show",
  RATING_ALREADY_GIVEN: "show",
  NOTHING_TO_RATE: "show",
  DATA_FOLDER_UNUSABLE: "show",
  PRINT_SERVER_UNREACHABLE: "show",
  PRINTER_NOT_FOUND: "show",
  PRINTER_NOT_ACCEPTING: "show",
  PRINT_JOB_FAILED: "show",
  PRINT_JOB_CANCELED: "show",
  PRINT_JOB_STOPPED: "show",
  PRINT_JOB_TIMEOUT: "show",
  PRINT_JOB_UNKNOWN: "show",
  PRINT_JOB_INVALID: "show",
  PRINT_SERVER_REFUSED: "show",
  PRINT_SERVER_PROTOCOL: "show",
  SCAN_EMPTY: "show",
  SCAN_TOO_LARGE: "show",
  SCAN_TOO_MANY_PIXELS: "show",
  SCAN_CORRUPT: "show",
  SCAN_PDF_NOT_SUPPORTED: "show",
  SCAN_PDF_ENCRYPTED: "show",
  SCAN_PDF_TOO_MANY_PAGES: "show",
  PDF_SOFTWARE_MISSING: "show",
  SCAN_PDF_TIMEOUT: "show",
  SCAN_UNSUPPORTED: "show",
  SCAN_INVALID_DATA: "show",
  SCANNER_SOFTWARE_MISSING: "show",
  SCANNER_NOT_FOUND: "show",
  SCAN_TIMEOUT: "show",
  SCAN_FAILED: "show",
  SCAN_FOLDER_NOT_FOUND: "show",
  SCAN_FOLDER_MOVE_FAILED: "show",
  BUNDLE_FILE_EXISTS: "show",
  BUNDLE_FILE_NOT_FOUND: "show",
  BUNDLE_WRITE_FAILED: "show",
  BUNDLE_READ_FAILED: "show",
  PLATFORM_UNREACHABLE: "show",
  PLATFORM_TIMEOUT: "show",
  PLATFORM_CONNECTION_LOST: "show",
  PLATFORM_UNAVAILABLE: "show",
  PLATFORM_ANSWER_INVALID: "show",
  PLATFORM_ANSWER_UNVERIFIED: "show",
  AUDIT_CHAIN_BROKEN: "show",
  DEVICE_NOT_ENROLLED: "show",
  PLATFORM_SIGNATURE_REFUSED: "show",
  PLATFORM_REQUEST_REFUSED: "show",
  PLATFORM_URL_INSECURE: "show",
  PLATFORM_URL_INVALID: "show",
  PLATFORM_CLIENT_SETUP: "show",
  DEVICE_ID_INVALID: "show",
  LOCAL_STORE_FAILED: "show",
  INTERNAL: "show",
  IPC_FAILURE: "show",
  NOT_AT_THIS_DESK: "show",
};

/** What the window does with `e`; `show` for anything that is not ours. */
export function reactionOf(e: unknown): Reaction {
  return e instanceof IpcError ? REACTIONS[e.code] : "show";
}

/** The Chinese sentence for any caught error, after acting on its code: a lost session
 *  returns to the log-in screen (the form being typed is kept, as after the lock). */
export function errorMessage(e: unknown): string {
  if (!(e instanceof IpcError)) return t("errors.UNEXPECTED");
  // Only while the window still thinks someone is logged in: after the lock the session is
  // gone already, and whose it was (the log-in form's prefill) must stay.
  if (REACTIONS[e.code] === "login" && session.value !== null) signedOut(null);
  if (REACTIONS[e.code] === "locked" && session.value !== null) signedOut(session.value.username);
  return e.message;
}
