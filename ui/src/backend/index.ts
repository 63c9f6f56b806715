// Which backend the views use; tests install a fake with `setBackend`.
import type { Backend } from "./types";
import type { JoinedDeskInfo } from "../bindings";
import { tauriBackend } from "./tauri";
import { httpBackend, onCaseChangesInBrowser, useTransport, type CaseChange } from "./http";
import { deskFetch, onCaseChangesAtDesk } from "./desk";

/** The Tauri window has its IPC; a browser opening the office server's address does not,
 *  and talks to that server over HTTP instead. */
const inTauri = typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;

/** Where this window runs: the office PC's own window (the store on this PC), a browser
 *  at the office server, or a Tauri window that joined an office server (a desk: its
 *  commands go to the server through the shell). */
export type DeskKind = "window" | "browser" | "joined";

let current: Backend = inTauri ? tauriBackend : httpBackend();
let kind: DeskKind = inTauri ? "window" : "browser";
let joinedTo: JoinedDeskInfo | null = null;
let deskFileDamaged = false;

export function backend(): Backend {
  return current;
}

/** The backend of this PC's own devices (its printers, the screen facing the applicant):
 *  the shell's even at a joined desk, whose office commands go to the server. */
export function deviceBackend(): Backend {
  return kind === "joined" ? tauriBackend : current;
}

/** The desk this window is: the header hides the devices a browser does not have. */
export function deskKind(): DeskKind {
  return kind;
}

/** The office is on a server, not in this window's own store (a browser, a joined desk). */
export function officeOnServer(): boolean {
  return kind !== "window";
}

/** This PC joined an office server once, but what it kept from joining is damaged: the
 *  first-run screen says so (join again, rather than make a second office). */
export function joinedDeskDamaged(): boolean {
  return deskFileDamaged;
}

/** The office server this window joined, if it is a joined desk. */
export function joinedDesk(): JoinedDeskInfo | null {
  return joinedTo;
}

export function setBackend(next: Backend, desk: DeskKind = "window", joined: JoinedDeskInfo | null = null): void {
  current = next;
  kind = desk;
  joinedTo = joined;
}

/** Before the window mounts: a Tauri window asks its shell whether this PC joined an
 *  office server, and if so sends its commands there. A failure leaves the window as it
 *  is (its own office), which then shows the shell's errors. */
export async function chooseBackend(): Promise<void> {
  if (!inTauri) return;
  try {
    const mode = await tauriBackend.deskMode();
    deskFileDamaged = mode.damaged;
    if (mode.joined) {
      useTransport(deskFetch);
      setBackend(httpBackend(), "joined", mode.joined);
    }
  } catch {
    // The window's own office: office_status says what is wrong.
  }
}

/** A joined desk leaves its office server (its key and certificate are deleted); the
 *  window then starts again as a PC with no office. Always the shell's own command. */
export async function leaveOfficeServer(): Promise<void> {
  await tauriBackend.leaveOfficeServer();
}

/** Calls `listener` whenever another desk changed a case, where the office is on a server
 *  (a browser's event stream, a joined desk's through its shell); the window's own office
 *  has no other desks. Returns the function that stops listening. */
export function followCaseChanges(listener: (changed: CaseChange) => void): () => void {
  if (kind === "joined") return onCaseChangesAtDesk(listener);
  if (kind === "browser" && typeof EventSource !== "undefined") return onCaseChangesInBrowser(listener);
  return () => {};
}

export * from "./types";
