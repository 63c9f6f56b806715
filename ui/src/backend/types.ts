// The backend the views talk to: the Tauri shell in the app, a fake in unit tests.
import type { AppInfo, IdNumberInfo, UiError, UiFieldError } from "../bindings";

export type { AppInfo, IdNumberInfo, UiError, UiFieldError };

/** A failed command, typed: switch on `code`, never on `message`. */
export class IpcError extends Error {
  readonly code: string;
  readonly fields: UiFieldError[];

  constructor(error: UiError) {
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
}
