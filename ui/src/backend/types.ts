// The backend the views talk to: the Tauri shell in the app, a fake in unit tests.
import type {
  AppInfo,
  AssessmentInfo,
  DivisionChoice,
  EthnicChoice,
  IdNumberInfo,
  NoticeLine,
  ProfileInfo,
  UiError,
  UiFieldError,
} from "../bindings";
import type { ApplicationRecord } from "../record";

export type {
  AppInfo,
  AssessmentInfo,
  DivisionChoice,
  EthnicChoice,
  IdNumberInfo,
  NoticeLine,
  ProfileInfo,
  UiError,
  UiFieldError,
};

export type DivisionLevel = "province" | "city" | "county";

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
  searchDivisions(query: string, level?: DivisionLevel, within?: string): Promise<DivisionChoice[]>;
  searchEthnicGroups(query: string): Promise<EthnicChoice[]>;
  listProfiles(): Promise<ProfileInfo[]>;
  assessApplication(record: ApplicationRecord, profile: string): Promise<AssessmentInfo>;
}
