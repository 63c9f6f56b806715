// How many records wait to be sent, as the header's badge last saw it: when the number
// falls (records reached the platform) or rises, the views that list cases (their 未同步
// marks, the 未同步 worklist) are told to look again.
import { ref } from "vue";

/** Goes up each time the badge saw the queue change: a worklist watching it reloads. */
export const syncQueueChanged = ref(0);
let lastQueued: number | null = null;

/** The badge's latest count of waiting records (null while nobody is logged in). */
export function sawQueued(queued: number | null): void {
  if (queued !== null && lastQueued !== null && queued !== lastQueued) syncQueueChanged.value += 1;
  lastQueued = queued;
}
