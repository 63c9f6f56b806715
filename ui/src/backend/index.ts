// Which backend the views use; tests install a fake with `setBackend`.
import type { Backend } from "./types";
import { tauriBackend } from "./tauri";
import { httpBackend } from "./http";

/** The Tauri window has its IPC; a browser opening the office server's address does not,
 *  and talks to that server over HTTP instead. */
const inTauri = typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;

/** Where this window runs: the counter PC's own window, or a browser at the office
 *  server (no scanner, card reader, printer or applicant's screen of its own). */
export type DeskKind = "window" | "browser";

let current: Backend = inTauri ? tauriBackend : httpBackend();
let kind: DeskKind = inTauri ? "window" : "browser";

export function backend(): Backend {
  return current;
}

/** The desk this window is: the header hides the devices a browser does not have. */
export function deskKind(): DeskKind {
  return kind;
}

export function setBackend(next: Backend, desk: DeskKind = "window"): void {
  current = next;
  kind = desk;
}

export * from "./types";
