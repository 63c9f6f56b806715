// The sentences the window says after a re-key of the office (人员管理 after a revocation
// or when the administrator asks, and the restore panel): what was done, who must be
// re-enabled with a new password, and whether the office server's unlock file stopped
// working. One place, so the three callers say it alike.
import type { RekeyInfo } from "./bindings";
import { fill, t } from "./locales";

/** The notice for a re-key that happened, or `null` when it did not (`problem`). */
export function rekeyNotice(info: RekeyInfo, revoked?: string): string | null {
  if (info.generation === null) return null;
  const parts = [
    revoked === undefined
      ? fill(t("clerks.rekeyed"), { generation: info.generation })
      : fill(t("clerks.revokedRekeyed"), { name: revoked, generation: info.generation }),
  ];
  if (info.needs_reset.length > 0) parts.push(fill(t("clerks.needsReset"), { names: info.needs_reset.join("、") }));
  if (info.server_unlock_removed) parts.push(t("clerks.serverUnlockRemoved"));
  return parts.join("");
}

/** The error for a re-key that did not happen, or `null` when it did. */
export function rekeyProblem(info: RekeyInfo, revoked: string): string | null {
  if (info.problem === null) return null;
  return fill(t("clerks.revokedNotRekeyed"), { name: revoked, problem: info.problem });
}
