// A joined Tauri desk (docs/office-server.md, "Joining a Tauri desk"): the window talks to
// the office server as a browser desk does (http.ts, the same generated commands), but its
// web view cannot show the desk's client certificate, so each request crosses to the Rust
// shell (`desk_request`), which sends it over the desk's mutual TLS with the session's
// cookie and hands the answer back. `deskFetch` makes that look like `fetch` to http.ts.
import { listen } from "@tauri-apps/api/event";
import { tauriBackend } from "./tauri";
import type { CaseChange } from "./http";
import { IpcError, isUiError } from "./types";

const CSRF_HEADER = "x-permit-desk-csrf";

/** Failures of the link that another try would not mend. */
const FINAL: readonly string[] = ["NOT_AN_OFFICE_SERVER", "DESK_NOT_JOINED", "DESK_FILE_DAMAGED"];

/** The event the shell sends when the server says a desk changed a case. */
export const CASE_CHANGE_EVENT = "desk-case-change";

function header(init: RequestInit | undefined, name: string): string | null {
  const headers = new Headers(init?.headers);
  return headers.get(name);
}

/** `fetch` for http.ts's `POST /api/<command>` requests, through the shell. A failure of
 *  the link (the server unreachable, or not the office's) rejects as a network error
 *  does, so http.ts retries it under the same idempotency key and then says
 *  与办理点服务器的连接中断. */
export const deskFetch: typeof fetch = async (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.pathname : input.url;
  const command = url.replace(/^.*\/api\//, "");
  let answer;
  try {
    answer = await tauriBackend.deskRequest(
      command,
      typeof init?.body === "string" ? init.body : "{}",
      header(init, "idempotency-key"),
      header(init, CSRF_HEADER),
    );
  } catch (error) {
    // What answers is not this office's server (or this PC's joining is damaged): said as
    // it is, not retried. Anything else is the network: http.ts retries it.
    if (isUiError(error) && FINAL.includes(error.code)) throw new IpcError(error);
    throw new TypeError(`desk link: ${String((error as { code?: string }).code ?? error)}`);
  }
  const headers = new Headers({ "content-type": "application/json" });
  if (answer.csrf) headers.set(CSRF_HEADER, answer.csrf);
  const empty = answer.status === 204 || answer.status === 304;
  return new Response(empty ? null : answer.body, { status: answer.status, headers });
};

/** Calls `listener` whenever a desk changed a case, as the shell hears the server's event
 *  stream. Returns the function that stops listening. */
export function onCaseChangesAtDesk(listener: (changed: CaseChange) => void): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  void listen<string>(CASE_CHANGE_EVENT, (event) => {
    let changed: CaseChange = {};
    try {
      changed = JSON.parse(event.payload) as CaseChange;
    } catch {
      changed = {};
    }
    listener(changed);
  }).then((unlisten) => {
    if (stopped) unlisten();
    else stop = unlisten;
  });
  return () => {
    stopped = true;
    stop?.();
  };
}
