// The ID-card reader at this counter, as the header shows it: looked for every few
// seconds while a clerk is logged in (the shell asks the reader's module for its status).
import { ref } from "vue";
import { deviceBackend, type ReaderStateInfo } from "../backend";

/** The last look; `null` before the first. */
export const readerState = ref<ReaderStateInfo | null>(null);

/** Looks for the reader once. */
export async function lookForReader(): Promise<void> {
  try {
    readerState.value = await deviceBackend().idCardReader();
  } catch {
    readerState.value = null;
  }
}

/** Whether the form may read cards on its own (a reader answers). */
export function readerReady(): boolean {
  return readerState.value?.state === "ready";
}
