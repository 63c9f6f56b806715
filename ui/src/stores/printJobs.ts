// The print jobs printers still hold (a slip sent to a stopped printer), followed by the
// header every few seconds: when one ends, what happened is said once, and the views
// that list cases (待打印确认单) are told to look again.
import { ref } from "vue";
import { backend, type EndedJobInfo, type WaitingJobInfo } from "../backend";

export const waitingJobs = ref<WaitingJobInfo[]>([]);
export const endedJobs = ref<EndedJobInfo[]>([]);
/** Goes up each time a held job ended: a worklist watching it reloads. */
export const printJobsChanged = ref(0);

export async function followPrintJobs(): Promise<void> {
  try {
    const jobs = await backend().printJobs();
    waitingJobs.value = jobs.waiting;
    if (jobs.ended.length) {
      endedJobs.value = [...endedJobs.value, ...jobs.ended];
      printJobsChanged.value += 1;
    }
  } catch {
    // Locked or logged out: nothing to follow until someone logs in again.
    waitingJobs.value = [];
  }
}

export function dismissEndedJobs(): void {
  endedJobs.value = [];
}
