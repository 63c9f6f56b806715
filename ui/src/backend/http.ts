// The backend of a browser desk: the same generated command list (commands.ts) as the
// Tauri one, sent to the office server (crates/server) as `POST /api/<command>` with the
// arguments as a JSON object. The session lives on the server in an HttpOnly cookie; the
// page keeps only the session's CSRF token, which the server sends with a log-in and with
// `office_status` while the session is alive (docs/office-server.md).
import { COMMANDS } from "./commands";
import { IpcError, isUiError, type Backend } from "./types";
import type { BackupMadeInfo, DeskPrintInfo, PreviewInfo, PrintedInfo } from "../bindings";
import { t } from "../locales";

const CSRF_HEADER = "x-permit-desk-csrf";

/** How often a request the network lost is sent again (same idempotency key), and the
 *  wait before each. */
const RETRY_DELAYS_MS = [300, 1_000, 3_000];

let csrf: string | null = null;

/** How requests reach the office server: the browser's fetch, or (a joined Tauri desk)
 *  the shell's mutual-TLS link made to look like fetch (desk.ts). */
let transport: typeof fetch = (input, init) => fetch(input, init);

/** Sends every later request through `next` (a joined desk's link). */
export function useTransport(next: typeof fetch): void {
  transport = next;
}

/** One request's idempotency key: a retry of the same request carries the same one. */
function requestKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends one command; a network failure is retried with the same key, so the server runs
 *  it at most once. */
async function call<T>(command: string, args: Record<string, unknown>, fetchImpl: typeof fetch = transport): Promise<T> {
  const key = requestKey();
  let response: Response | null = null;
  for (let attempt = 0; response === null; attempt += 1) {
    try {
      const headers: Record<string, string> = { "content-type": "application/json", "idempotency-key": key };
      if (csrf) headers[CSRF_HEADER] = csrf;
      response = await fetchImpl(`/api/${command}`, {
        method: "POST",
        headers,
        body: JSON.stringify(args),
        credentials: "same-origin",
      });
    } catch (error) {
      // A joined desk's link that knows the server is not the office's: no use retrying.
      if (error instanceof IpcError) throw error;
      if (attempt >= RETRY_DELAYS_MS.length) {
        throw new IpcError({ code: "SERVER_UNREACHABLE", message: t("errors.SERVER_UNREACHABLE"), fields: [] });
      }
      await sleep(RETRY_DELAYS_MS[attempt]);
    }
  }
  const token = response.headers.get(CSRF_HEADER);
  if (token) csrf = token;
  if (command === "log_out" || command === "lock_screen") csrf = null;
  const text = await response.text();
  let value: unknown = null;
  try {
    value = text ? JSON.parse(text) : null;
  } catch {
    value = null;
  }
  if (response.ok) return value as T;
  if (isUiError(value)) throw new IpcError(value);
  if (response.status === 404) {
    throw new IpcError({ code: "NOT_AT_THIS_DESK", message: t("errors.NOT_AT_THIS_DESK"), fields: [] });
  }
  throw new IpcError({ code: "IPC_FAILURE", message: t("errors.IPC_FAILURE"), fields: [] });
}

/** One command's function: positional arguments named by the generated table; a left-out
 *  optional argument is sent as null. A callback argument (a Tauri channel: scanning's
 *  progress) cannot cross HTTP: such commands are refused here, at the desk. */
function command(name: string, wires: readonly string[], fetchImpl?: typeof fetch) {
  return (...args: unknown[]) => {
    if (wires.some((wire) => wire.startsWith("@"))) {
      return Promise.reject(new IpcError({ code: "NOT_AT_THIS_DESK", message: t("errors.NOT_AT_THIS_DESK"), fields: [] }));
    }
    const payload: Record<string, unknown> = {};
    wires.forEach((wire, index) => {
      const value = args[index];
      payload[wire] = value === undefined ? null : value;
    });
    return call(name, payload, fetchImpl);
  };
}

/** Every command of the generated list, over HTTP to the office server; `fetchImpl` for
 *  tests. */
export function httpBackend(fetchImpl?: typeof fetch): Backend {
  return Object.fromEntries(
    Object.entries(COMMANDS).map(([method, [name, wires]]) => [method, command(name, wires, fetchImpl)]),
  ) as unknown as Backend;
}

/** A one-time code for a new PC to join the office (an administrator's 加入新电脑). */
export interface JoinCode {
  /** Eight digits. */
  code: string;
  /** Minutes it stays valid. */
  minutes: number;
  /** The office CA's SHA-256 fingerprint, to compare on the new PC. */
  caFingerprint: string;
}

/** Asks the office server for a join code: a command of the server's own, not of the
 *  window's list (a standalone window has no desks to join). */
export function createJoinCode(fetchImpl?: typeof fetch): Promise<JoinCode> {
  return call<JoinCode>("create_join_code", {}, fetchImpl);
}

/** 备份 at a desk (administrators): the server writes the backup into the backups folder
 *  beside its office and says where. A command of the server's own (the window backs up
 *  onto a stick with `backupOffice`). */
export function backupAtServer(fetchImpl?: typeof fetch): Promise<BackupMadeInfo> {
  return call<BackupMadeInfo>("backup_at_server", {}, fetchImpl);
}

/** A browser desk's 打印: the document's PDF for the browser's print dialog, audited on the
 *  server as sent to the browser. A command of the server's own (the window prints
 *  through CUPS with `printDocument`). */
export function printInBrowser(
  caseId: string,
  document: string,
  largePrint: boolean | null,
  fetchImpl?: typeof fetch,
): Promise<PreviewInfo> {
  return call<PreviewInfo>("print_in_browser", { caseId, document, largePrint }, fetchImpl);
}

/** A joined desk's print on its own printer, reported to the server, which records it as
 *  the window's own print is (`printed`, with the outcome; a printed slip leaves
 *  待打印确认单). A command of the server's own. */
export function recordDeskPrint(
  caseId: string,
  document: string,
  template: string,
  printer: string,
  copies: number,
  printed: DeskPrintInfo,
  fetchImpl?: typeof fetch,
): Promise<PrintedInfo> {
  return call<PrintedInfo>(
    "record_desk_print",
    { caseId, document, template, printer, copies, outcome: printed.outcome, job: printed.outcome === "failed" ? null : printed.job, error: printed.outcome === "completed" ? null : printed.error?.code ?? "PRINT_JOB_FAILED" },
    fetchImpl,
  );
}

/** A PC that joined the office server, as 人员管理 lists it. */
export interface DeskLine {
  fingerprint: string;
  name: string;
  /** `YYYY-MM-DD HH:MM`. */
  joinedAt: string;
  joinedBy: string;
  /** When an administrator removed it, if one did. */
  revokedAt: string | null;
}

/** The PCs that joined the office (administrators). A command of the server's own. */
export function listDesks(fetchImpl?: typeof fetch): Promise<DeskLine[]> {
  return call<DeskLine[]>("list_desks", {}, fetchImpl);
}

/** Removes a PC from the office (administrators; audited): the server refuses it from its
 *  next request on. */
export function revokeDesk(fingerprint: string, fetchImpl?: typeof fetch): Promise<DeskLine> {
  return call<DeskLine>("revoke_desk", { fingerprint }, fetchImpl);
}

/** A case a desk changed, as the server's event stream tells it (never personal data);
 *  both fields are missing when the desk fell behind: everything may have changed. */
export interface CaseChange {
  caseId?: string;
  change?: string;
}

/** Calls `listener` whenever a desk changed a case (the server's event stream,
 *  `GET /api/events`; the browser reconnects by itself after a network break). Returns
 *  the function that stops listening. A browser desk's; index.ts picks per desk. */
export function onCaseChangesInBrowser(listener: (changed: CaseChange) => void): () => void {
  const source = new EventSource("/api/events");
  source.addEventListener("case", (event) => {
    let changed: CaseChange = {};
    try {
      changed = JSON.parse((event as MessageEvent<string>).data) as CaseChange;
    } catch {
      changed = {};
    }
    listener(changed);
  });
  return () => source.close();
}

/** Forgets the CSRF token (tests). */
export function forgetSession(): void {
  csrf = null;
}
