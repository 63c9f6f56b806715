// The assessment's three answers as the intake window speaks about them.
import type { AssessmentInfo, DecisionKey, DocumentKey, NoticeLine } from "../backend";

/** The decision of an assessment; anything the window does not know counts as a notice. */
export function decisionOf(assessment: AssessmentInfo): DecisionKey {
  if (assessment.decision === "accept" || assessment.decision === "not_eligible") return assessment.decision;
  return "notice";
}

/** The reasons the applicant is not eligible (不符合互认条件). */
export function eligibilityItems(assessment: AssessmentInfo): NoticeLine[] {
  return assessment.items.filter((item) => item.kind === "eligibility");
}

/** How many reasons a refusal gives (every item if none is marked as a reason). */
export function reasonCount(assessment: AssessmentInfo): number {
  return eligibilityItems(assessment).length || assessment.items.length;
}

/** The document printed after each outcome of a submit. */
export const DOCUMENT_AFTER: Record<string, DocumentKey> = {
  accepted: "receipt",
  notice: "notice",
  not_eligible: "refusal",
};

/** Fills `{name}` placeholders of a message (the one in `locales`, re-exported for this
 *  module's users). */
export { fill } from "../locales";
