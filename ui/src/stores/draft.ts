// The application being typed, kept while the clerk moves between screens. Every change
// is saved to the office store as the clerk types (see IntakeView), so closing the window
// or a crash loses at most the last keystrokes before the save.
import { reactive, ref } from "vue";
import { emptyRecord, type ApplicationRecord } from "../record";

export const draft = reactive<{ record: ApplicationRecord; caseId: string | null; paperSlip: boolean }>({
  record: emptyRecord(),
  caseId: null,
  /** The applicant needs the paper 确认单 (no smartphone); kept with the case, not in Annex 1. */
  paperSlip: false,
});
export const draftProfile = ref("330000");

/** Starts a fresh form (a new case id is taken on the first save). */
export function resetDraft(): void {
  draft.record = emptyRecord();
  draft.caseId = null;
  draft.paperSlip = false;
}

/** Continues a stored draft. */
export function loadDraft(caseId: string, record: ApplicationRecord, paperSlip = false): void {
  draft.record = record;
  draft.caseId = caseId;
  draft.paperSlip = paperSlip;
}
