// The screen facing the applicant, from the clerk's side: whether this PC uses one (kept
// in the data folder by the shell), opening and closing it, and what the clerk's window tells
// it to show. With the screen in use, the applicant checks the form and presses 确认无误
// before the clerk can submit, and rates the visit afterwards (好差评). The screen is this
// PC's own, like its printers: at a joined desk its shell shows it and relays the rating to
// the office server.
import { ref } from "vue";
import { deviceBackend, type AssessmentInfo } from "../backend";
import type { ApplicationRecord } from "../record";
import { decisionOf, eligibilityItems, fill, reasonCount } from "../components/assessment";
import { t } from "../locales";

/** This PC shows a screen to the applicant. */
export const screenInUse = ref(false);

/** Turns the screen on (opening its window) or off (closing it); kept for this PC. */
export async function useScreen(on: boolean): Promise<void> {
  screenInUse.value = on;
  if (on) await deviceBackend().openApplicantScreen();
  else await deviceBackend().closeApplicantScreen();
}

/** Reads whether this PC uses the screen and opens it if so (after log-in). */
export async function reopenScreen(): Promise<void> {
  screenInUse.value = await deviceBackend().applicantScreenInUse();
  if (screenInUse.value) await deviceBackend().openApplicantScreen();
}

/** What submitting will do, in words for the applicant (asked with 确认无误). */
export function applicantOutcome(assessment: AssessmentInfo): string {
  switch (decisionOf(assessment)) {
    case "accept":
      return assessment.due_if_accepted_today
        ? fill(t("applicant.willAccept"), { due: assessment.due_if_accepted_today })
        : t("applicant.willAcceptNoDue");
    case "notice":
      return fill(t("applicant.willNotice"), { n: assessment.items.length });
    default:
      return fill(t("applicant.willRefuse"), { n: reasonCount(assessment) });
  }
}

/** Shows the draft (and, with `confirm`, asks for 确认无误); the serial shown. */
export async function showDraft(record: ApplicationRecord, confirm: string | null = null): Promise<number | null> {
  if (!screenInUse.value) return null;
  try {
    return await deviceBackend().showDraftToApplicant(record, confirm);
  } catch {
    return null; // the applicant's screen is a courtesy: the counter goes on without it
  }
}

/** After a submit: the decision, what to bring or why not, and the request for a rating. */
export async function showDecision(caseId: string, assessment: AssessmentInfo): Promise<void> {
  if (!screenInUse.value) return;
  const decision = decisionOf(assessment);
  const heading =
    decision === "accept"
      ? assessment.due_if_accepted_today
        ? fill(t("applicant.accepted"), { due: assessment.due_if_accepted_today })
        : t("applicant.acceptedNoDue")
      : decision === "notice"
        ? t("applicant.notice")
        : t("applicant.refused");
  const items = (decision === "not_eligible" ? eligibilityItems(assessment) : assessment.items).map((item) => item.message);
  try {
    await deviceBackend().showDecisionToApplicant(caseId, heading, decision === "accept" ? [] : items);
  } catch {
    // As above.
  }
}

/** The applicant's screen shows the welcome again. */
export async function showWelcome(): Promise<void> {
  if (!screenInUse.value) return;
  try {
    await deviceBackend().showWelcomeToApplicant();
  } catch {
    // As above.
  }
}
