// The live assessment of a form as it is typed: asked again 250 ms after the last change,
// a late answer to an older form never overwrites a newer one, and `now()` asks at once
// (the confirmation before a submit describes what was typed, not the form of 250 ms ago).
import { onBeforeUnmount, ref, watch } from "vue";
import { backend, type AssessmentInfo } from "../backend";
import { errorMessage } from "../errors";
import type { ApplicationRecord } from "../record";

export interface AssessmentInput {
  record: ApplicationRecord;
  /** The county profile applied. */
  profile: string;
  /** A stored case: the answer also names ticked evidence without a page. */
  caseId: string | null;
}

export function useLiveAssessment(input: () => AssessmentInput, delayMs = 250) {
  const assessment = ref<AssessmentInfo | null>(null);
  const error = ref<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  async function assess(): Promise<void> {
    const mine = ++generation;
    const { record, profile, caseId } = input();
    try {
      const result = await backend().assessApplication(record, profile, caseId);
      if (mine !== generation) return;
      assessment.value = result;
      error.value = null;
    } catch (e) {
      if (mine !== generation) return;
      error.value = errorMessage(e);
    }
  }

  /** Assesses at once, dropping a pending delayed one. */
  function now(): Promise<void> {
    clearTimeout(timer);
    return assess();
  }

  watch(
    () => [input().record, input().profile],
    () => {
      clearTimeout(timer);
      timer = setTimeout(() => void assess(), delayMs);
    },
    { deep: true },
  );
  onBeforeUnmount(() => clearTimeout(timer));

  return { assessment, error, assess, now };
}
