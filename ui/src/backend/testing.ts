// For unit tests: a backend with only the commands a test gives; any other command
// fails loudly, so a component calling something unexpected is caught.
import {
  IpcError,
  type AppInfo,
  type Backend,
  type CaseInfo,
  type DivisionChoice,
  type OfficeDetailsInfo,
  type OfficeDetailsInput,
  type PreviewInfo,
  type PrinterChoice,
  type PrintSettingsInput,
  type ProfileInfo,
  type RoleKey,
} from "./types";
import { emptyRecord } from "../record";
import { office } from "../stores/session";

export function fakeBackend(commands: Partial<Backend>): Backend {
  return new Proxy(commands, {
    get: (target, command) =>
      (target as Record<string | symbol, unknown>)[command] ??
      (() => Promise.reject(new Error(`command ${String(command)} is not used by this test`))),
  }) as Backend;
}

/** Logs a clerk with `roles` into the session store, as a log-in would. */
export function signInAs(roles: RoleKey[], username = "clerk"): void {
  office.status = {
    exists: true,
    office_id: "330182-jiande-01",
    session: { username, display_name: username, roles, password_from_admin: false },
    idle_lock_minutes: 10,
  };
}

/** What the in-memory transfer backend holds; tests read and change it directly. */
export interface TransferState {
  platformKey: string | null;
  /** Records an export would carry. */
  queued: number;
  /** Files "on the stick": path → what it is and how many records it answers or carries. */
  files: Map<string, { kind: "export" | "answer"; records: number }>;
  /** Answers imported so far (a second import of one changes nothing). */
  importedAnswers: Set<string>;
  /** Record counts set by every export, for assertions. */
  exports: number[];
  /** Keys set, with whether a replacement was confirmed. */
  keysSet: { key: string; replace: boolean }[];
  /** The stick "STICK" is mounted (pull it to test a stick gone before the click). */
  stickIn: boolean;
  /** A re-key's device key change waiting for the platform: exports carry it, the next
   * answer imported settles it (taken, or refused with this reason); `waiting` orders of
   * later re-keys follow it, one per answer taken. */
  keyChange?: { refused: string | null; waiting?: number } | null;
}

function fingerprintOf(hex: string): string {
  return (hex.slice(0, 16).match(/.{4}/g) ?? []).join(" ");
}

function refusal(code: string, message: string): IpcError {
  return new IpcError({ code: "VALIDATION", message, fields: [{ field: "path", code, message }] });
}

/**
 * An in-memory stand-in for the air-gapped transfer commands, with the rules the shell
 * enforces that a view must cope with: 64 hex digits, a replacement only when confirmed,
 * no export or import without a key, a missing file, an answer imported twice.
 */
export function transferBackend(state: TransferState): Partial<Backend> {
  return {
    transferOverview: async () => ({
      platform_key: state.platformKey ? { hex: state.platformKey, fingerprint: fingerprintOf(state.platformKey) } : null,
      device_id: "330182-jiande-01-test",
      device_public_key: "ab".repeat(32),
      sendable: state.queued,
      device_key_orders_waiting: state.keyChange ? 1 + (state.keyChange.waiting ?? 0) : 0,
    }),
    exportPlaces: async () =>
      state.stickIn
        ? [
            { path: "/media/clerk/STICK", label: "STICK", removable: true, free_bytes: 8 * 1024 ** 3, total_bytes: 16 * 1024 ** 3 },
            { path: "/home/clerk", label: "本机主文件夹", removable: false, free_bytes: null, total_bytes: null },
          ]
        : [{ path: "/home/clerk", label: "本机主文件夹", removable: false, free_bytes: null, total_bytes: null }],
    bundleFiles: async () =>
      [...state.files.entries()]
        .filter(([path]) => state.stickIn || !path.startsWith("/media/clerk/STICK"))
        .map(([path, file]) => ({
          path,
          name: path.split("/").pop() ?? path,
          place: path.startsWith("/media/clerk/STICK") ? "STICK" : "本机主文件夹",
          removable: path.startsWith("/media/clerk/STICK"),
          bytes: 4096,
          modified: "2025-03-10 09:15",
          kind: file.kind,
          kind_label: file.kind === "answer" ? "省平台回执（本机）" : "待上报文件（交省平台，不在本机导入）",
          importable: file.kind === "answer",
        })),
    setPlatformKey: async (key, replace) => {
      const hex = key.replace(/[\s:]/g, "").toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hex)) {
        throw refusal("PLATFORM_KEY_INVALID", "省平台公钥无效：应为 64 位十六进制数字。");
      }
      const previous = state.platformKey;
      if (previous && previous !== hex && !replace) {
        throw refusal("PLATFORM_KEY_REPLACE_UNCONFIRMED", "本办理点已保存省平台公钥，更换须确认。");
      }
      state.keysSet.push({ key: hex, replace });
      state.platformKey = hex;
      return {
        key: { hex, fingerprint: fingerprintOf(hex) },
        replaced: previous && previous !== hex ? { hex: previous, fingerprint: fingerprintOf(previous) } : null,
        changed: previous !== hex,
      };
    },
    exportBundle: async (path) => {
      if (!state.platformKey) throw refusal("PLATFORM_KEY_MISSING", "尚未设置省平台的离线交换公钥。");
      if (!path.startsWith("/media/clerk/STICK") || !state.stickIn) {
        throw new IpcError({ code: "BUNDLE_FILE_NOT_FOUND", message: `找不到文件夹“${path}”，请检查U盘是否已插好。`, fields: [] });
      }
      const file = path.endsWith(".pdb") ? path : `${path}/permit-desk-export-20250310-091500.pdb`;
      state.files.set(file, { kind: "export", records: state.queued });
      state.exports.push(state.queued);
      return { path: file, bytes: 4096, bundle_id: "0195a000-0000-7000-8000-00000000b001", records: state.queued, pages: 2, pages_missing: 0, device_key_change: Boolean(state.keyChange) };
    },
    importBundle: async (path) => {
      const file = state.stickIn || !path.startsWith("/media/clerk/STICK") ? state.files.get(path) : undefined;
      if (!file) {
        throw new IpcError({ code: "BUNDLE_FILE_NOT_FOUND", message: `找不到文件“${path}”，请检查U盘是否已插好，再刷新列表。`, fields: [] });
      }
      if (file.kind !== "answer") {
        throw refusal("BUNDLE_WRONG_KIND", "这是本机导出的文件，不是省平台的回执。");
      }
      const again = state.importedAnswers.has(path);
      state.importedAnswers.add(path);
      const confirmed = again ? 0 : file.records;
      if (!again) state.queued -= file.records;
      const keyChange = again ? null : state.keyChange;
      const waiting = keyChange?.refused === null ? (keyChange.waiting ?? 0) : 0;
      if (!again) state.keyChange = waiting > 0 ? { refused: null, waiting: waiting - 1 } : null;
      return {
        bundle_id: "0195a000-0000-7000-8000-00000000a001",
        export_bundle_id: "0195a000-0000-7000-8000-00000000b001",
        confirmed,
        duplicates: 0,
        refused: 0,
        left_queued: 0,
        skipped: again ? file.records : 0,
        decisions: again ? 0 : 1,
        issued: again ? 0 : 1,
        rejected: 0,
        changed: !again,
        device_key_changed: Boolean(keyChange) && keyChange?.refused === null,
        device_key_refused: keyChange?.refused ?? null,
        device_key_orders_waiting: waiting,
      };
    },
  };
}

/** A fresh transfer state: no key, `queued` records waiting, nothing on the stick. */
export function transferState(queued: number, platformKey: string | null = null): TransferState {
  return { platformKey, queued, files: new Map(), importedAnswers: new Set(), exports: [], keysSet: [], stickIn: true };
}

// ---- cases, printing, the office's details ---------------------------------------------

/** What `getAppInfo` says of a build (关于), for tests that need the header or the footer. */
export function appInfo(today: string, dataDir = "/tmp/permit-desk"): AppInfo {
  return {
    version: "0.1.0",
    today,
    data_dir: dataDir,
    about: {
      line: "版本 0.1.0 · 数据库结构 8 · 申请表数据 2 · 节假日 2023–2026",
      database_schema: 8,
      record_schema: 2,
      templates: ["不予办理告知书 1.0.0"],
      profiles: ["建德市（建政办函〔2024〕18号）"],
      holiday_years: [2023, 2024, 2025, 2026],
    },
  };
}

/** A case as `getCase` returns it: an accepted case of 陈静 unless `changes` say otherwise. */
export function caseInfo(changes: Partial<CaseInfo> = {}): CaseInfo {
  const record = emptyRecord();
  record.application_number = "33018201-20261204-0001";
  record.applicant.name = "陈静";
  record.applicant.id_number = "330182199001011234";
  record.current_address.address = "新安江街道江滨中路1号";
  return {
    id: "0195a000-0000-7000-8000-0000000000c1",
    state: "accepted",
    state_label: "已受理",
    record,
    masked: false,
    accepted_by: "受理员甲",
    reviewed_by: null,
    approved_by: null,
    accepted_at: "2026-12-04 09:30",
    due_date: "2026-12-18",
    due_estimate: null,
    profile: "330182",
    permit_number: null,
    paper_slip: false,
    slip_printed_at: null,
    documents: ["form", "receipt"],
    large_print_default: false,
    division_names: { "330182": "浙江省杭州市建德市" },
    ethnic_names: {},
    assessment: null,
    explanation: [],
    revision: null,
    history: [],
    version: 1,
    ...changes,
  };
}

export const PRINTERS: PrinterChoice[] = [{ name: "PermitDeskPDF", label: "PermitDeskPDF", is_default: true, preferred: true, ready: true }];

/** Preview and print commands that remember what was asked for. */
export function printBackend(previews: { document: string; largePrint: boolean | null | undefined }[]): Partial<Backend> {
  return {
    listPrinters: async () => PRINTERS,
    previewDocument: async (_caseId, document, largePrint): Promise<PreviewInfo> => {
      previews.push({ document, largePrint });
      return { document, pdf_base64: "", pages: 1, template: `${document} v1`, warnings: [] };
    },
  };
}

export const JIANDE: ProfileInfo = {
  county: "330182",
  name: "建德市",
  document: "建政办发〔2025〕12号",
  effective: "2025-07-01",
  draft: false,
  implements_recognition: true,
  guardian_below_age: 16,
  asks_evidence_facts: false,
};
export const GONGSHU_DRAFT: ProfileInfo = {
  county: "330105",
  name: "拱墅区",
  document: "拱墅区居住证互认转换实施办法（征求意见稿）",
  effective: null,
  draft: true,
  implements_recognition: true,
  guardian_below_age: 16,
  asks_evidence_facts: true,
};
export const PROVINCE: ProfileInfo = {
  county: "330000",
  name: "浙江省",
  document: "浙江省流动人口居住登记条例",
  effective: "2009-10-01",
  draft: false,
  implements_recognition: false,
  guardian_below_age: 16,
  asks_evidence_facts: false,
};

export const COUNTIES: DivisionChoice[] = [
  { code: "330182", name: "建德市", full_name: "浙江省杭州市建德市", level: "county" },
  { code: "330105", name: "拱墅区", full_name: "浙江省杭州市拱墅区", level: "county" },
];

/** Zhejiang's counties for the pickers: by name, code or (for any query) all. */
export async function searchCounties(query: string): Promise<DivisionChoice[]> {
  return COUNTIES.filter((c) => query === "" || c.name.includes(query) || c.code.startsWith(query));
}

/** What the in-memory office backend holds; tests read and change it directly. */
export interface OfficeState {
  details: OfficeDetailsInput | null;
  /** What an old `office.json` suggests while the details are unset. */
  suggested?: OfficeDetailsInput | null;
  profiles: ProfileInfo[];
  /** Every `setOfficeDetails` call. */
  saved: OfficeDetailsInput[];
  /** Every `recordEffectiveDate` call. */
  effective: { profile: string; date: string }[];
  /** The print settings, and every `setPrintSettings` call. */
  print: PrintSettingsInput;
  printSaved: PrintSettingsInput[];
}

export function officeState(details: OfficeDetailsInput | null): OfficeState {
  return {
    details,
    profiles: [PROVINCE, JIANDE, { ...GONGSHU_DRAFT }],
    saved: [],
    effective: [],
    print: { large_print: null, printer: null },
    printSaved: [],
  };
}

/** The office's details and the policy documents' dates, with the shell's checks on the
 *  station (two digits) and the effective date (a date, only for an undated draft). */
export function officeBackend(state: OfficeState): Partial<Backend> {
  const info = (): OfficeDetailsInfo => {
    const shown = state.details ?? state.suggested ?? null;
    const county = COUNTIES.find((c) => c.code === shown?.county_code);
    return {
      details: state.details ? { ...state.details } : null,
      county_name: county?.full_name ?? null,
      application_prefix: state.details ? `${state.details.county_code}${state.details.station}` : null,
      default_profile: state.profiles.find((p) => p.county === state.details?.county_code) ?? PROVINCE,
      suggested: state.details ? null : (state.suggested ?? null),
    };
  };
  return {
    officeDetails: async () => info(),
    referenceStatus: async () => ({ key: null, holidays: null, profiles: null, holiday_years: [2023, 2024, 2025, 2026] }),
    setOfficeDetails: async (details) => {
      if (!/^\d{2}$/.test(details.station)) {
        const message = "办理点编号应为两位数字。";
        throw new IpcError({ code: "VALIDATION", message, fields: [{ field: "station", code: "OFFICE_STATION_INVALID", message }] });
      }
      state.saved.push(details);
      state.details = { ...details };
      state.suggested = null;
      return info();
    },
    recordEffectiveDate: async (profile, date) => {
      const found = state.profiles.find((p) => p.county === profile);
      if (!found || !found.draft || found.effective !== null || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
        throw new IpcError({ code: "VALIDATION", message: "无法登记该政策文件的施行日期。", fields: [] });
      }
      state.effective.push({ profile, date });
      found.effective = date;
      return { ...found };
    },
    listProfiles: async () => state.profiles.map((p) => ({ ...p })),
    searchDivisions: async (query) => searchCounties(query),
    listPrinters: async () => PRINTERS,
    printSettings: async () => ({ ...state.print }),
    setPrintSettings: async (settings) => {
      state.printSaved.push(settings);
      state.print = { ...settings };
      return { ...state.print };
    },
  };
}
