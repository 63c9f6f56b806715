// 证明材料的具体情况: the measured facts behind the evidence ticks, each by its path under
// `evidence_facts`, its label and its kind — the intake's fields and the case page's
// read-only sheet both list them from here.
import type { MessageKey } from "../locales";
import type { ApplicationRecord } from "../record";

export type Fact = { path: string; testid: string; label: MessageKey; kind: "number" | "yes-no" };

/** The facts in rows, each by its path under `evidence_facts` (its `data-field`). */
const APPLICANT: Fact[][] = [
  [
    { path: "rental.contract_months", testid: "f-fact-contract", label: "intake.factContractMonths", kind: "number" },
    { path: "rental.commercial_housing", testid: "f-fact-commercial-housing", label: "intake.factCommercialHousing", kind: "yes-no" },
    { path: "rental.landlord_title_proof", testid: "f-fact-landlord-title", label: "intake.factLandlordTitle", kind: "yes-no" },
  ],
  [
    { path: "social_insurance.months", testid: "f-fact-insurance", label: "intake.factInsuranceMonths", kind: "number" },
    { path: "social_insurance.longest_gap_days", testid: "f-fact-insurance-gap", label: "intake.factInsuranceGap", kind: "number" },
    { path: "social_insurance.back_paid", testid: "f-fact-insurance-back-paid", label: "intake.factInsuranceBackPaid", kind: "yes-no" },
  ],
  [{ path: "study.enrolment_months", testid: "f-fact-enrolment", label: "intake.factEnrolmentMonths", kind: "number" }],
];
const MINOR: Fact[][] = [
  [
    { path: "minor.guardians_hold_permits", testid: "f-fact-guardians-permits", label: "intake.factGuardiansPermits", kind: "yes-no" },
  ],
  [
    { path: "minor.guardian_social_insurance_months", testid: "f-fact-guardian-insurance", label: "intake.factGuardianInsuranceMonths", kind: "number" },
    { path: "minor.guardian_social_insurance_longest_gap_days", testid: "f-fact-guardian-insurance-gap", label: "intake.factGuardianInsuranceGap", kind: "number" },
    { path: "minor.guardian_social_insurance_back_paid", testid: "f-fact-guardian-insurance-back-paid", label: "intake.factGuardianInsuranceBackPaid", kind: "yes-no" },
  ],
];

export const FACT_SECTIONS: { key: string; heading: MessageKey | null; rows: Fact[][] }[] = [
  { key: "applicant", heading: null, rows: APPLICANT },
  { key: "minor", heading: "intake.factMinor", rows: MINOR },
];

/** A fact's value in a record: a number, 是/否 as a boolean, or null (not recorded). */
export function factValue(record: ApplicationRecord, path: string): number | boolean | null {
  const [group, leaf] = path.split(".");
  const facts = record.evidence_facts as unknown as Record<string, Record<string, number | boolean | null>>;
  return facts[group]?.[leaf] ?? null;
}
