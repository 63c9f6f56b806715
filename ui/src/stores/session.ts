// Who is at the counter: the office's status and the logged-in clerk, shared by every view.
import { computed, reactive } from "vue";
import type { OfficeStatus, RoleKey, SessionInfo } from "../backend";

export const office = reactive<{ status: OfficeStatus | null; lockedFor: string | null }>({
  status: null,
  // After the idle lock: whose session was locked (prefills the log-in form).
  lockedFor: null,
});

export const session = computed<SessionInfo | null>(() => office.status?.session ?? null);

export function hasRole(role: RoleKey): boolean {
  return session.value?.roles.includes(role) ?? false;
}

export function signedIn(info: SessionInfo): void {
  if (office.status) office.status = { ...office.status, exists: true, session: info };
  office.lockedFor = null;
}

export function signedOut(lockedFor: string | null): void {
  if (office.status) office.status = { ...office.status, session: null };
  office.lockedFor = lockedFor;
}
