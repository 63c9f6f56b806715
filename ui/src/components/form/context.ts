// What every field of a form shares: whether the live assessment names it (and the clerk
// has been there), and marking it visited. The form provides it once; each field reads it,
// so every field highlights and is touched the same way.
import { inject, provide, type InjectionKey } from "vue";

export interface FormContext {
  /** The notice names `path` (or a field inside it) and the clerk has left it. */
  flagged(path: string): boolean;
  /** The clerk has been in `path`. */
  touch(path: string): void;
  /** `path` still holds what the ID card on the reader put there. */
  fromCard?(path: string): boolean;
}

const KEY: InjectionKey<FormContext> = Symbol("form");

/** Called once by the form. */
export function provideForm(context: FormContext): void {
  provide(KEY, context);
}

/** A field's view of its form; outside a form nothing is flagged. */
export function useForm(): FormContext {
  return inject(KEY, { flagged: () => false, touch: () => undefined });
}
