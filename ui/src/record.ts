// The application record (Annex 1) as the window edits it: the JSON form of version 2
// (described by the doc comments of crates/domain/src/record.rs; docs/application-record.md
// describes version 1). `record.test.ts` checks that its shape matches the golden file the
// Rust domain freezes, so the two cannot drift apart.

export type Gender = "male" | "female";
export type RecognitionType = "existing_permit" | "registration_time";
export type EndorsementStatus = "current" | "overdue" | "terminated";
/** The cases 《浙江省流动人口居住登记条例》 treats specially. */
export type SpecialCaseKind = "investment" | "talent" | "talent_permit_exchange";

export interface OtherEvidence { ticked: boolean; description: string }

export interface ApplicationRecord {
  schema_version: 2;
  application_number: string;
  applicant: { id_number: string; name: string; gender: Gender | null; ethnic_group: string };
  household_registration: { province_code: string; county_code: string; address: string };
  current_address: { county_code: string; address: string };
  phone_number: string;
  recognition_type: RecognitionType | null;
  evidence: {
    employment: {
      labour_contract: boolean;
      agricultural_contract: boolean;
      social_insurance: boolean;
      business_licence: boolean;
      other: OtherEvidence;
    };
    residence: {
      own_home: boolean;
      employer_dormitory: boolean;
      rental: {
        rental_registration: boolean;
        lease_filing: boolean;
        lease_contract: boolean;
        safety_compliant: boolean;
        taxes_paid: boolean;
        other: OtherEvidence;
      };
    };
    study: {
      /** The standalone 「其他」 the form prints first under 连续就读 (v1: `residence.other`). */
      other: OtherEvidence;
      primary_school: boolean;
      secondary_school: boolean;
      vocational_school: boolean;
      higher_education: boolean;
    };
  };
  evidence_facts: {
    rental: { contract_months: number | null; commercial_housing: boolean | null; landlord_title_proof: boolean | null };
    social_insurance: { months: number | null; longest_gap_days: number | null; back_paid: boolean | null };
    study: { enrolment_months: number | null };
    minor: {
      guardians_hold_permits: boolean | null;
      guardian_social_insurance_months: number | null;
      guardian_social_insurance_longest_gap_days: number | null;
      guardian_social_insurance_back_paid: boolean | null;
    };
  };
  existing_permit: {
    number: string;
    issuing_county_code: string;
    issue_date: string | null;
    endorsement: EndorsementStatus | null;
  } | null;
  registration_history: { county_code: string; start: string; end: string | null }[];
  /** `own_income`: a guardian of 16 or 17 living on their own labour income (民法典第十八条). */
  guardian: { name: string; id_number: string; relationship: string; own_income: boolean } | null;
  /** 「除《浙江省流动人口居住登记条例》有特别规定外」: `null` for an ordinary application. */
  special_case: { kind: SpecialCaseKind | null; proof: string } | null;
  declaration: { signed: boolean; date: string | null };
  opinions: {
    acceptance: Opinion;
    review: Opinion;
    approval: Opinion;
  };
  remarks: string;
}

export interface Opinion { text: string; person: string; date: string | null }

const other = (): OtherEvidence => ({ ticked: false, description: "" });
const opinion = (): Opinion => ({ text: "", person: "", date: null });

/** A blank form, as the paper annex before the clerk writes on it. */
export function emptyRecord(): ApplicationRecord {
  return {
    schema_version: 2,
    application_number: "",
    applicant: { id_number: "", name: "", gender: null, ethnic_group: "" },
    household_registration: { province_code: "", county_code: "", address: "" },
    current_address: { county_code: "", address: "" },
    phone_number: "",
    recognition_type: null,
    evidence: {
      employment: {
        labour_contract: false,
        agricultural_contract: false,
        social_insurance: false,
        business_licence: false,
        other: other(),
      },
      residence: {
        own_home: false,
        employer_dormitory: false,
        rental: {
          rental_registration: false,
          lease_filing: false,
          lease_contract: false,
          safety_compliant: false,
          taxes_paid: false,
          other: other(),
        },
      },
      study: {
        other: other(),
        primary_school: false,
        secondary_school: false,
        vocational_school: false,
        higher_education: false,
      },
    },
    evidence_facts: {
      rental: { contract_months: null, commercial_housing: null, landlord_title_proof: null },
      social_insurance: { months: null, longest_gap_days: null, back_paid: null },
      study: { enrolment_months: null },
      minor: {
        guardians_hold_permits: null,
        guardian_social_insurance_months: null,
        guardian_social_insurance_longest_gap_days: null,
        guardian_social_insurance_back_paid: null,
      },
    },
    existing_permit: null,
    registration_history: [],
    guardian: null,
    special_case: null,
    declaration: { signed: false, date: null },
    opinions: { acceptance: opinion(), review: opinion(), approval: opinion() },
    remarks: "",
  };
}

/** Every evidence checkbox of Annex 1, in the paper form's order: the domain's one catalogue,
 * generated into bindings.ts. */
export { EVIDENCE_GROUPS, RENTAL_HEADING, type EvidenceBox, type EvidenceGroup, type EvidenceKey } from "./bindings";

/** Reads the value at a dotted path under `record.evidence`. */
export function evidenceAt(record: ApplicationRecord, path: string): boolean | OtherEvidence {
  let node: unknown = record.evidence;
  for (const part of path.split(".")) node = (node as Record<string, unknown>)[part];
  return node as boolean | OtherEvidence;
}

/** Sets a plain evidence checkbox at a dotted path under `record.evidence`. */
export function setEvidence(record: ApplicationRecord, path: string, value: boolean): void {
  const parts = path.split(".");
  let node = record.evidence as unknown as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  const last = parts[parts.length - 1];
  const current = node[last];
  if (typeof current === "object" && current !== null) (current as OtherEvidence).ticked = value;
  else node[last] = value;
}
