// The backend the views talk to: the Tauri shell in the app, a fake in unit tests.
import type {
  AppInfo,
  AssessmentInfo,
  AuditLineInfo,
  CaseInfo,
  CaseLineInfo,
  ClerkInfo,
  DraftSavedInfo,
  FolderPollInfo,
  OfficeStatus,
  PagesInfo,
  PreviewInfo,
  PrintedInfo,
  PrinterChoice,
  ScannerChoice,
  ScanProgress,
  SessionInfo,
  SubmitResult,
  SyncStatusInfo,
  QuarantinedRecord,
  TransferInfo,
  PlatformKeySetInfo,
  BundleExportInfo,
  BundleImportInfo,
  WorklistCount,
  DivisionChoice,
  EthnicChoice,
  IdNumberInfo,
  ProfileInfo,
  DocumentKey,
  ErrorCode,
  RoleKey,
  WorklistKey,
  UiError,
  UiFieldError,
  VerifiedSlipInfo,
  OfficeDetailsInfo,
  OfficeDetailsInput,
} from "../bindings";
import type { ApplicationRecord } from "../record";

// Every generated DTO is part of the backend's vocabulary: views import them from here.
export type * from "../bindings";

export type DivisionLevel = "province" | "city" | "county";
export type ColourKey = "grey" | "colour";

/** Codes the window makes up itself (the shell never sends them). */
export type ClientErrorCode = "IPC_FAILURE";

/** A failed command, typed: switch on `code`, never on `message`. */
export class IpcError extends Error {
  readonly code: ErrorCode | ClientErrorCode;
  readonly fields: UiFieldError[];

  /** A shell error, or `IPC_FAILURE` when the call itself failed. */
  constructor(error: Omit<UiError, "code"> & { code: ErrorCode | ClientErrorCode }) {
    super(error.message);
    this.name = "IpcError";
    this.code = error.code;
    this.fields = error.fields;
  }

  /** The messages for one field, e.g. `id_number`. */
  fieldMessages(field: string): string[] {
    return this.fields.filter((f) => f.field === field).map((f) => f.message);
  }
}

export interface Backend {
  getAppInfo(): Promise<AppInfo>;
  checkIdNumber(input: string): Promise<IdNumberInfo>;
  searchDivisions(query: string, level?: DivisionLevel, within?: string): Promise<DivisionChoice[]>;
  searchEthnicGroups(query: string): Promise<EthnicChoice[]>;
  listProfiles(): Promise<ProfileInfo[]>;
  /** With `caseId` (a stored case), `unscanned` names the ticked evidence without a page. */
  assessApplication(record: ApplicationRecord, profile: string, caseId?: string | null): Promise<AssessmentInfo>;

  officeStatus(): Promise<OfficeStatus>;
  /** First run: the office's details (county, station, name, address, phone) and its administrator. */
  setUpOffice(details: OfficeDetailsInput, username: string, password: string, roles: RoleKey[]): Promise<SessionInfo>;
  /** The office's details and the profile its counters apply by default. */
  officeDetails(): Promise<OfficeDetailsInfo>;
  /** Changes the office's details (管理员). */
  setOfficeDetails(details: OfficeDetailsInput): Promise<OfficeDetailsInfo>;
  /** Records the date an undated draft policy document took effect (管理员), `YYYY-MM-DD`. */
  recordEffectiveDate(profile: string, effective: string): Promise<ProfileInfo>;
  logIn(username: string, password: string): Promise<SessionInfo>;
  logOut(): Promise<void>;
  lockScreen(): Promise<void>;
  listClerks(): Promise<ClerkInfo[]>;
  addClerk(username: string, displayName: string, roles: RoleKey[], password: string): Promise<void>;
  setClerkRoles(username: string, roles: RoleKey[]): Promise<void>;
  revokeClerk(username: string): Promise<void>;
  /** Re-enables a revoked clerk with a new initial password (管理员; audited). */
  reenableClerk(username: string, password: string): Promise<void>;

  newCase(): Promise<string>;
  /** `paperSlip` (the applicant needs the paper 确认单): `undefined` keeps what was set. */
  saveDraft(caseId: string, record: ApplicationRecord, paperSlip?: boolean): Promise<DraftSavedInfo>;
  submitCase(caseId: string, profile: string, opinion: string, proceed: boolean): Promise<SubmitResult>;
  reviewCase(caseId: string, opinion: string): Promise<CaseInfo>;
  approveCase(caseId: string, opinion: string): Promise<CaseInfo>;
  rejectCase(caseId: string, reasons: string[]): Promise<CaseInfo>;
  withdrawCase(caseId: string, reason: string): Promise<CaseInfo>;
  getCase(caseId: string): Promise<CaseInfo>;
  caseAudit(caseId: string): Promise<AuditLineInfo[]>;
  worklistCounts(): Promise<WorklistCount[]>;
  worklist(list: WorklistKey): Promise<CaseLineInfo[]>;
  searchCases(text: string): Promise<CaseLineInfo[]>;

  listPrinters(): Promise<PrinterChoice[]>;
  /** `largePrint`: the slip in large type; `undefined` follows the county profile. */
  previewDocument(caseId: string, document: DocumentKey, largePrint?: boolean): Promise<PreviewInfo>;
  printDocument(
    caseId: string,
    document: DocumentKey,
    printer: string,
    copies: number,
    largePrint?: boolean,
  ): Promise<PrintedInfo>;
  /** Checks the text of a confirmation slip's QR code against this office's key. */
  verifySlip(payload: string): Promise<VerifiedSlipInfo>;

  listScanners(): Promise<ScannerChoice[]>;
  scanPages(
    caseId: string,
    scan: { device: string; pages: number; resolution: number; colour: ColourKey; evidence: string },
    onProgress: (progress: ScanProgress) => void,
  ): Promise<PagesInfo>;
  importPage(caseId: string, dataUrl: string, colour: ColourKey, evidence: string): Promise<PagesInfo>;
  listPages(caseId: string): Promise<PagesInfo>;
  pageImage(pageId: string): Promise<string>;
  changePage(
    caseId: string,
    pageId: string,
    change: { quarterTurns?: number; evidence?: string; position?: number },
  ): Promise<PagesInfo>;
  deletePage(caseId: string, pageId: string): Promise<PagesInfo>;
  /** The watched folder remembered for this installation ("" if none). */
  scanFolder(): Promise<string>;
  /** Chooses (and remembers) the watched folder and starts watching it; its path back. */
  setScanFolder(folder: string): Promise<string>;
  /** Imports what arrived in the watched folder into the case. */
  pollScanFolder(caseId: string, colour: ColourKey, evidence: string): Promise<FolderPollInfo>;

  syncStatus(): Promise<SyncStatusInfo>;
  syncNow(): Promise<void>;
  listQuarantined(): Promise<QuarantinedRecord[]>;
  resendRecord(id: string): Promise<void>;
  /** 更正后重报: sends the corrected application of a refused submission; the case id back. */
  correctRecord(id: string, record: ApplicationRecord): Promise<string>;

  /** The air-gapped transfer screen: platform key, this device, records an export would carry. */
  transferOverview(): Promise<TransferInfo>;
  /** Keeps the platform's bundle key (管理员); `replace` only after the clerk confirmed. */
  setPlatformKey(key: string, replace: boolean): Promise<PlatformKeySetInfo>;
  /** Writes the queue to a bundle file (a file path, or a folder for a time-named file). */
  exportBundle(path: string): Promise<BundleExportInfo>;
  /** Applies the platform's answer file. */
  importBundle(path: string): Promise<BundleImportInfo>;
}
