// For unit tests: a backend with only the commands a test gives; any other command
// fails loudly, so a component calling something unexpected is caught.
import { IpcError, type Backend, type RoleKey } from "./types";
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
    session: { username, display_name: username, roles },
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
      folder: "/media/clerk/STICK",
    }),
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
      if (!path.startsWith("/media/clerk/STICK")) {
        throw new IpcError({ code: "BUNDLE_FILE_NOT_FOUND", message: `找不到文件夹“${path}”，请检查路径，或U盘是否已插好。`, fields: [] });
      }
      const file = path.endsWith(".pdb") ? path : `${path}/permit-desk-export-20250310-091500.pdb`;
      state.files.set(file, { kind: "export", records: state.queued });
      state.exports.push(state.queued);
      return { path: file, bytes: 4096, bundle_id: "0195a000-0000-7000-8000-00000000b001", records: state.queued, pages: 2, pages_missing: 0 };
    },
    importBundle: async (path) => {
      const file = state.files.get(path);
      if (!file) {
        throw new IpcError({ code: "BUNDLE_FILE_NOT_FOUND", message: `找不到文件“${path}”，请检查路径，或U盘是否已插好。`, fields: [] });
      }
      if (file.kind !== "answer") {
        throw refusal("BUNDLE_WRONG_KIND", "这是本机导出的文件，不是省平台的回执。");
      }
      const again = state.importedAnswers.has(path);
      state.importedAnswers.add(path);
      const confirmed = again ? 0 : file.records;
      if (!again) state.queued -= file.records;
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
      };
    },
  };
}

/** A fresh transfer state: no key, `queued` records waiting, nothing on the stick. */
export function transferState(queued: number, platformKey: string | null = null): TransferState {
  return { platformKey, queued, files: new Map(), importedAnswers: new Set(), exports: [], keysSet: [] };
}
