// The application being typed, kept while the clerk moves between screens.
// It lives in memory only: the store issue makes drafts durable (saved as typed); until
// then the window says so instead of pretending.
import { reactive, ref } from "vue";
import { emptyRecord, type ApplicationRecord } from "../record";

export const draft = reactive<{ record: ApplicationRecord }>({ record: emptyRecord() });
export const draftProfile = ref("330000");

export function resetDraft(): void {
  draft.record = emptyRecord();
}
