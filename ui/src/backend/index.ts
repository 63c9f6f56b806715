// Which backend the views use; tests install a fake with `setBackend`.
import type { Backend } from "./types";
import { tauriBackend } from "./tauri";

let current: Backend = tauriBackend;

export function backend(): Backend {
  return current;
}

export function setBackend(next: Backend): void {
  current = next;
}

export * from "./types";
