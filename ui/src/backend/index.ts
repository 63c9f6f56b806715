// Which backend the views use; tests install a fake with `setBackend`.
import type { Backend } from "./types";
import { tauriBackend } from "./tauri";
import { httpBackend } from "./http";

/** The Tauri window has its IPC; a browser opening the office server's address does not,
 *  and talks to that server over HTTP instead. */
const inTauri = typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;

let current: Backend = inTauri ? tauriBackend : httpBackend();

export function backend(): Backend {
  return current;
}

export function setBackend(next: Backend): void {
  current = next;
}

export * from "./types";
