// The application being typed, kept while the clerk moves between screens. Every change
// is saved to the office store as the clerk types (see IntakeView), so closing the window
// or a crash loses at most the last keystrokes before the save.
import { reactive, ref } from "vue";
import { emptyRecord, type ApplicationRecord } from "../record";

export const draft = reactive<{ record: ApplicationRecord; caseId: string | null; paperSlip: boolean; version: number | null }>({
  record: emptyRecord(),
  caseId: null,
  /** The case's version the form last loaded or saved: a save from it is refused
   *  (CASE_CHANGED, the fields named) when another desk has saved the draft since. */
  version: null,
  /** The clerk ticked 申请人无智能手机 (the paper 确认单); kept with the case, not in Annex 1.
   *  Without a phone number the shell marks the case for the slip whatever this says. */
  paperSlip: false,
});
/** The county profile the form is assessed under; a new form starts with the office's default. */
export const draftProfile = ref("330000");

const BLANK = JSON.stringify(emptyRecord());

/** Whether the form is a brand-new one: no case yet and nothing typed or ticked. */
export function draftIsBlank(): boolean {
  return draft.caseId === null && !draft.paperSlip && JSON.stringify(draft.record) === BLANK;
}

/** Starts a fresh form (a new case id is taken on the first save). */
export function resetDraft(): void {
  draft.record = emptyRecord();
  draft.caseId = null;
  draft.paperSlip = false;
  draft.version = null;
}

/** Continues a stored draft, from the case's version as it was read. */
export function loadDraft(caseId: string, record: ApplicationRecord, paperSlip = false, version: number | null = null): void {
  draft.record = record;
  draft.caseId = caseId;
  draft.paperSlip = paperSlip;
  draft.version = version;
}
