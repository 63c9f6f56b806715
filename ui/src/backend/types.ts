// The backend the views talk to: the Tauri shell in the app, a fake in unit tests.
import type { ErrorCode, UiError, UiFieldError } from "../bindings";
import type { Commands } from "./commands";

// Every generated DTO is part of the backend's vocabulary: views import them from here.
export type * from "../bindings";

/** Codes the window makes up itself (the shell never sends them). */
export type ClientErrorCode =
  | "IPC_FAILURE"
  // A browser desk: the command needs the office PC's own devices (scanner, card reader).
  | "NOT_AT_THIS_DESK";

/** Whether an answer is the backend's `{code, message, fields}` (over IPC or HTTP alike). */
export function isUiError(value: unknown): value is UiError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as UiError).code === "string" &&
    typeof (value as UiError).message === "string" &&
    Array.isArray((value as UiError).fields)
  );
}

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

/** What the views talk to: the generated command list (commands.ts), implemented by the
 *  Tauri backend and by the fake in unit tests. */
export type Backend = Commands;
