// The draft saved as the clerk types: 400 ms after the last change, durable at once, one
// save at a time (a submit that starts while the typing auto-save is still creating the
// draft waits for it, so both use the same case — never two drafts for one form), and a
// change still waiting is saved when the form closes. An untouched form is not saved; a
// clerk without 受理 never saves.
import { onBeforeUnmount, ref, watch } from "vue";
import { backend } from "../backend";
import { errorMessage } from "../errors";
import { t } from "../locales";
import { draft, draftIsBlank } from "../stores/draft";
import { hasRole } from "../stores/session";

export type SaveState = { kind: "idle" | "saving" | "saved" | "error"; text: string };

/** `skip`: nothing is saved as a draft (a correction changes an accepted case's
 *  application only when it is sent, audited). */
export function useDraftAutosave(skip: () => boolean, delayMs = 400) {
  const state = ref<SaveState>({ kind: "idle", text: "" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending = false;
  let saving: Promise<boolean> = Promise.resolve(true);

  async function saveNow(): Promise<boolean> {
    if (skip()) return true;
    if (!hasRole("accept")) return false;
    if (draftIsBlank()) return true;
    state.value = { kind: "saving", text: t("intake.saving") };
    try {
      if (draft.caseId === null) draft.caseId = await backend().newCase();
      const saved = await backend().saveDraft(draft.caseId, draft.record, draft.paperSlip, draft.version);
      draft.version = saved.version;
      state.value = { kind: "saved", text: `${t("intake.savedAt")} ${saved.saved_at}` };
      return true;
    } catch (e) {
      state.value = { kind: "error", text: `${t("intake.notSaved")}${errorMessage(e)}` };
      return false;
    }
  }

  /** Saves now (after any save under way); false if it could not be saved. */
  function save(): Promise<boolean> {
    clearTimeout(timer);
    pending = false;
    saving = saving.then(saveNow, saveNow);
    return saving;
  }

  /** Saves if a change is waiting (leaving the form). */
  async function flush(): Promise<void> {
    if (pending) await save();
  }

  /** Forgets a change still waiting (the form is being cleared). */
  function cancel(): void {
    clearTimeout(timer);
    pending = false;
  }

  watch(
    () => [draft.record, draft.paperSlip],
    () => {
      clearTimeout(timer);
      pending = true;
      timer = setTimeout(() => void save(), delayMs);
    },
    { deep: true },
  );
  onBeforeUnmount(() => {
    if (pending) void save();
  });

  return { state, save, flush, cancel };
}
