// Checking a 公民身份号码 as it is typed, shared by the applicant's field (IdNumberField)
// and the guardian's: the check runs as soon as the 18th character arrives (or when asked,
// e.g. on Enter), a result that a newer keystroke made stale is dropped, and a refused
// 18-character number is shown grouped 6-8-4 so the clerk can compare it with the card.
import { computed, onMounted, ref, watch } from "vue";
import { backend, IpcError, type IdNumberInfo } from "../backend";
import { t } from "../locales";

/** `110105194912310021` → `110105 19491231 0021` (address code, birth date, the rest). */
export function groupIdNumber(value: string): string {
  return `${value.slice(0, 6)} ${value.slice(6, 14)} ${value.slice(14)}`;
}

export function useIdNumberCheck(
  value: () => string,
  on: { decoded?: (info: IdNumberInfo) => void; invalid?: () => void } = {},
) {
  const info = ref<IdNumberInfo | null>(null);
  const errors = ref<string[]>([]);
  const checking = ref(false);
  let lastChecked = "";

  async function check(): Promise<void> {
    const typed = value();
    if (typed.trim() === "" || typed === lastChecked) return;
    lastChecked = typed;
    checking.value = true;
    try {
      const result = await backend().checkIdNumber(typed);
      if (value() !== typed) return; // the clerk typed on; a newer check will follow
      info.value = result;
      errors.value = [];
      on.decoded?.(result);
    } catch (error) {
      if (value() !== typed) return;
      info.value = null;
      on.invalid?.();
      if (error instanceof IpcError) {
        const own = error.fieldMessages("id_number");
        errors.value = own.length > 0 ? own : [error.message];
      } else {
        errors.value = [t("errors.UNEXPECTED")];
      }
    } finally {
      checking.value = false;
    }
  }

  // A number already there (a draft reopened) is checked at once.
  onMounted(() => {
    if (value().trim().length >= 18) void check();
  });

  watch(value, (now) => {
    if (now !== lastChecked) {
      info.value = null;
      errors.value = [];
      // Changed since: the same number typed (or read from a card) again, after the form
      // was cleared, is checked again and fills what it fills.
      lastChecked = "";
    }
    // Checking as soon as the 18th character arrives saves the clerk a key press.
    if (now.trim().length >= 18) void check();
  });

  /** The refused number grouped 6-8-4; `null` unless 18 characters were refused. */
  const grouped = computed(() => {
    const typed = value().trim();
    return errors.value.length > 0 && typed.length === 18 ? groupIdNumber(typed.toUpperCase()) : null;
  });

  return { info, errors, checking, check, grouped };
}
