// The real backend: Tauri commands. Command names live here and nowhere else.
import { Channel, invoke } from "@tauri-apps/api/core";
import { IpcError, type Backend, type ScanProgress, type UiError } from "./types";
import { t } from "../locales";

function isUiError(value: unknown): value is UiError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as UiError).code === "string" &&
    typeof (value as UiError).message === "string" &&
    Array.isArray((value as UiError).fields)
  );
}

/** Calls a command and turns any rejection into an IpcError. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    if (isUiError(error)) throw new IpcError(error);
    // A rejection that is not ours (IPC broken, command missing): still typed for the UI.
    throw new IpcError({ code: "IPC_FAILURE", message: t("errors.IPC_FAILURE"), fields: [] });
  }
}

export const tauriBackend: Backend = {
  getAppInfo: () => call("get_app_info"),
  checkIdNumber: (input) => call("check_id_number", { input }),
  searchDivisions: (query, level, within) =>
    call("search_divisions", { query, level: level ?? null, within: within ?? null }),
  searchEthnicGroups: (query) => call("search_ethnic_groups", { query }),
  listProfiles: () => call("list_profiles"),
  assessApplication: (record, profile, caseId) =>
    call("assess_application", { record, profile, caseId: caseId ?? null }),

  officeStatus: () => call("office_status"),
  setUpOffice: (details, username, password, roles) =>
    call("set_up_office", { details, username, password, roles }),
  officeDetails: () => call("office_details"),
  setOfficeDetails: (details) => call("set_office_details", { details }),
  recordEffectiveDate: (profile, effective) => call("record_effective_date", { profile, effective }),
  logIn: (username, password) => call("log_in", { username, password }),
  logOut: () => call("log_out"),
  lockScreen: () => call("lock_screen"),
  listClerks: () => call("list_clerks"),
  addClerk: (username, displayName, roles, password) =>
    call("add_clerk", { username, displayName, roles, password }),
  setClerkRoles: (username, roles) => call("set_clerk_roles", { username, roles }),
  revokeClerk: (username) => call("revoke_clerk", { username }),
  reenableClerk: (username, password) => call("reenable_clerk", { username, password }),

  newCase: () => call("new_case"),
  saveDraft: (caseId, record, paperSlip) => call("save_draft", { caseId, record, paperSlip: paperSlip ?? null }),
  submitCase: (caseId, profile, opinion, proceed) => call("submit_case", { caseId, profile, opinion, proceed }),
  reviewCase: (caseId, opinion) => call("review_case", { caseId, opinion }),
  approveCase: (caseId, opinion) => call("approve_case", { caseId, opinion }),
  rejectCase: (caseId, reasons) => call("reject_case", { caseId, reasons }),
  withdrawCase: (caseId, reason) => call("withdraw_case", { caseId, reason }),
  getCase: (caseId) => call("get_case", { caseId }),
  caseAudit: (caseId) => call("case_audit", { caseId }),
  worklistCounts: () => call("worklist_counts"),
  worklist: (list) => call("worklist", { list }),
  searchCases: (text) => call("search_cases", { text }),

  listPrinters: () => call("list_printers"),
  previewDocument: (caseId, document, largePrint) =>
    call("preview_document", { caseId, document, largePrint: largePrint ?? null }),
  printDocument: (caseId, document, printer, copies, largePrint) =>
    call("print_document", { caseId, document, printer, copies, largePrint: largePrint ?? null }),
  verifySlip: (payload) => call("verify_slip", { payload }),

  listScanners: () => call("list_scanners"),
  scanPages: (caseId, scan, onProgress) => {
    const progress = new Channel<ScanProgress>();
    progress.onmessage = onProgress;
    return call("scan_pages", { caseId, ...scan, progress });
  },
  importPage: (caseId, dataUrl, colour, evidence) => call("import_page", { caseId, dataUrl, colour, evidence }),
  listPages: (caseId) => call("list_pages", { caseId }),
  scanFolder: () => call("scan_folder"),
  setScanFolder: (folder) => call("set_scan_folder", { folder }),
  pollScanFolder: (caseId, colour, evidence) => call("poll_scan_folder", { caseId, colour, evidence }),
  pageImage: (pageId) => call("page_image", { pageId }),
  changePage: (caseId, pageId, change) =>
    call("change_page", {
      caseId,
      pageId,
      quarterTurns: change.quarterTurns ?? null,
      evidence: change.evidence ?? null,
      position: change.position ?? null,
    }),
  deletePage: (caseId, pageId) => call("delete_page", { caseId, pageId }),

  syncStatus: () => call("sync_status"),
  syncNow: () => call("sync_now"),
  listQuarantined: () => call("list_quarantined"),
  resendRecord: (id) => call("resend_record", { id }),
  correctRecord: (id, record) => call("correct_record", { id, record }),
  transferOverview: () => call("transfer_overview"),
  setPlatformKey: (key, replace) => call("set_platform_key", { key, replace }),
  exportBundle: (path) => call("export_bundle", { path }),
  importBundle: (path) => call("import_bundle", { path }),
};
