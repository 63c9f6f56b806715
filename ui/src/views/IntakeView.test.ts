import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushPromises, mount, type VueWrapper } from "@vue/test-utils";
import IntakeView from "./IntakeView.vue";
import { IpcError, setBackend, type AssessmentInfo, type DecisionKey, type NoticeLine, type ProfileInfo } from "../backend";
import { COUNTIES, GONGSHU_DRAFT as GONGSHU, JIANDE, PROVINCE, appInfo, fakeBackend, signInAs } from "../backend/testing";
import { draft, draftProfile, resetDraft } from "../stores/draft";
import { office } from "../stores/session";

const materials = (code: string, field: string, message: string): NoticeLine => ({ code, field, message, kind: "materials", basis: "" });
const reason = (code: string, field: string, message: string, basis: string): NoticeLine => ({ code, field, message, kind: "eligibility", basis });

/** What the shell answers for each decision (the items a real assessment would give). */
function assessmentFor(decision: DecisionKey, profile = JIANDE): AssessmentInfo {
  const base = { decision, profile, unscanned: [], due_if_accepted_today: null, due_estimate: null, paper_slip_needed: false };
  if (decision === "accept") {
    return { ...base, items: [], due_if_accepted_today: "2026-01-09", due_estimate: "2026年节假日安排尚未公布，办结期限按周末推算，仅供参考。" };
  }
  if (decision === "notice") {
    return {
      ...base,
      items: [
        materials("EVIDENCE_NONE", "evidence", "请提供合法稳定就业、合法稳定住所或连续就读的证明材料之一。"),
        materials("DECLARATION_UNSIGNED", "declaration.signed", "申请人须在申请人声明处签名。"),
      ],
    };
  }
  return {
    ...base,
    items: [
      materials("DECLARATION_UNSIGNED", "declaration.signed", "申请人须在申请人声明处签名。"),
      reason("RESIDENCE_TOO_SHORT", "registration_history", "在本县居住登记未满6个月。", "在本市居住登记满6个月的，可申领居住证。"),
      reason("NOT_LOCAL", "current_address.county_code", "现居住地不在本县（市、区）。", "本办法适用于在本区居住的流动人口。"),
    ],
  };
}

let answer: AssessmentInfo;
let submits: { caseId: string; profile: string; proceed: boolean }[];
let defaultProfile: ProfileInfo;

beforeEach(() => {
  resetDraft();
  draftProfile.value = "330000";
  signInAs(["accept"]);
  answer = assessmentFor("accept");
  submits = [];
  defaultProfile = JIANDE;
  setBackend(
    fakeBackend({
      listProfiles: async () => [PROVINCE, GONGSHU, JIANDE],
      officeDetails: async () => ({ details: null, county_name: "浙江省杭州市建德市", application_prefix: "330182-01", default_profile: defaultProfile, suggested: null }),
      assessApplication: async (_record, profile) => ({
        ...answer,
        profile: [PROVINCE, GONGSHU, JIANDE].find((p) => p.county === profile) ?? answer.profile,
      }),
      listScanners: async () => [],
      searchDivisions: async () => COUNTIES,
      checkIdNumber: async (input) => {
        throw new IpcError({
          code: "VALIDATION",
          message: "公民身份号码有误",
          fields: [{ field: "id_number", code: "ID_NUMBER_CHECKSUM", message: `公民身份号码有误，请对照证件逐位核对：${input.slice(0, 6)} ${input.slice(6, 14)} ${input.slice(14)}` }],
        });
      },
      getAppInfo: async () => appInfo("2025-03-10"),
      newCase: async () => "0195a000-0000-7000-8000-000000000001",
      saveDraft: async (caseId) => ({ case_id: caseId, outcome: "created", reopened: false, saved_at: "09:15:00", version: 1 }),
      submitCase: async (caseId, profile, _opinion, proceed) => {
        submits.push({ caseId, profile, proceed });
        const outcome = answer.decision === "accept" ? "accepted" : answer.decision;
        return {
          outcome,
          assessment: answer.decision === "accept" ? null : answer,
          same_id_number: [],
          near_matches: [],
          due_date: answer.due_if_accepted_today,
          due_estimate: answer.due_estimate,
        };
      },
    }),
  );
});

let wrapper: VueWrapper | null = null;
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  office.status = null;
});

async function mountIntake(): Promise<VueWrapper> {
  wrapper = mount(IntakeView, { attachTo: document.body });
  await flushPromises();
  return wrapper;
}
const byId = (w: VueWrapper, id: string) => w.get(`[data-testid="${id}"]`);
const has = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`).exists();
function press(key: string, ctrlKey = false): void {
  window.dispatchEvent(new KeyboardEvent("keydown", { key, ctrlKey, bubbles: true }));
}

describe("IntakeView: the submit button follows the assessment", () => {
  it("accepts: 受理, the deadline and its estimate, then the receipt", async () => {
    draft.record.applicant.name = "张小雨";
    const w = await mountIntake();
    const decision = byId(w, "assessment-decision");
    expect(decision.attributes("data-decision")).toBe("accept");
    expect(byId(w, "assessment-due").text()).toContain("2026-01-09");
    expect(byId(w, "assessment-due-estimate").text()).toContain("仅供参考");
    const button = byId(w, "f-submit");
    expect(button.text()).toBe("受理");
    expect(button.attributes("data-decision")).toBe("accept");
    expect(has(w, "f-accept-opinion")).toBe(true);

    await button.trigger("click");
    await flushPromises();
    const confirm = byId(w, "confirm-submit");
    expect(byId(w, "confirm-submit-text").text()).toBe("受理本申请，案件转入审核。办结期限：2026-01-09。");
    expect(confirm.text()).toContain("仅供参考");
    expect(byId(w, "confirm-submit-yes").text()).toBe("确定受理");
    expect(document.activeElement).toBe(byId(w, "confirm-submit-no").element);
    expect(submits).toEqual([]); // nothing happens before the clerk confirms

    await byId(w, "confirm-submit-yes").trigger("click");
    await flushPromises();
    expect(submits).toHaveLength(1);
    expect(w.emitted("submitted")).toEqual([["0195a000-0000-7000-8000-000000000001", "receipt"]]);
    expect(draft.caseId).toBeNull();
    expect(draft.record.applicant.name).toBe("");
  });

  it("gives a notice: 出具一次性告知书（N项）, the plain words, then the notice", async () => {
    answer = assessmentFor("notice");
    draft.record.applicant.name = "张小雨";
    const w = await mountIntake();
    expect(byId(w, "assessment-decision").attributes("data-decision")).toBe("notice");
    expect(byId(w, "assessment-decision").text()).toBe("须一次性告知补正材料（2项）");
    expect(w.findAll('[data-testid="notice-item"]').map((li) => li.attributes("data-kind"))).toEqual(["materials", "materials"]);
    const button = byId(w, "f-submit");
    expect(button.text()).toBe("出具一次性告知书（2项）");
    expect(button.attributes("data-decision")).toBe("notice");
    expect(has(w, "f-accept-opinion")).toBe(false); // the notice writes its own note

    press("Enter", true); // Ctrl+Enter opens the same confirmation
    await flushPromises();
    expect(byId(w, "confirm-submit-text").text()).toBe(
      "出具一次性告知书，列明2项需要补充的材料。申请人补齐后可再次办理，本次暂不受理。",
    );
    expect(byId(w, "confirm-submit-yes").text()).toBe("出具一次性告知书");
    await byId(w, "confirm-submit-yes").trigger("click");
    await flushPromises();
    expect(w.emitted("submitted")).toEqual([["0195a000-0000-7000-8000-000000000001", "notice"]]);
  });

  it("refuses: reasons with their basis first, 出具不予受理告知书, then the refusal", async () => {
    answer = assessmentFor("not_eligible");
    const w = await mountIntake(); // a new form: the office's profile (建德市)
    await byId(w, "f-name").setValue("张小雨");
    const decision = byId(w, "assessment-decision");
    expect(decision.attributes("data-decision")).toBe("not_eligible");
    expect(decision.text()).toBe("不符合互认条件，不予受理");
    const items = w.findAll('[data-testid="notice-item"]');
    expect(items.map((li) => li.attributes("data-kind"))).toEqual(["eligibility", "eligibility", "materials"]);
    expect(items[0].get('[data-testid="notice-basis"]').text()).toContain("在本市居住登记满6个月的，可申领居住证。");
    expect(items[2].find('[data-testid="notice-basis"]').exists()).toBe(false);
    expect(byId(w, "assessment-materials-title").text()).toBe("另有以下材料问题（不符合条件时不再要求补正）");

    const button = byId(w, "f-submit");
    expect(button.text()).toBe("出具不予受理告知书");
    expect(button.attributes("data-decision")).toBe("not_eligible");
    expect(has(w, "f-accept-opinion")).toBe(false);

    await button.trigger("click");
    await flushPromises();
    expect(byId(w, "confirm-submit-text").text()).toBe(
      "出具不予受理告知书：申请人不符合互认条件（理由2项）。本案办结，不能补正；申请人情况变化后可重新申请。",
    );
    expect(byId(w, "confirm-submit-yes").text()).toBe("出具不予受理告知书");

    // Esc closes the confirmation and stays on the form.
    press("Escape");
    await flushPromises();
    expect(has(w, "confirm-submit")).toBe(false);
    expect(w.emitted("back")).toBeUndefined();
    expect(submits).toEqual([]);

    await byId(w, "f-submit").trigger("click");
    await flushPromises();
    await byId(w, "confirm-submit-yes").trigger("click");
    await flushPromises();
    expect(submits).toEqual([{ caseId: "0195a000-0000-7000-8000-000000000001", profile: "330182", proceed: false }]);
    expect(w.emitted("submitted")).toEqual([["0195a000-0000-7000-8000-000000000001", "refusal"]]);
    expect(draft.caseId).toBeNull();
  });

  it("does nothing when the clerk answers 返回核对", async () => {
    const w = await mountIntake();
    await byId(w, "f-submit").trigger("click");
    await flushPromises();
    await byId(w, "confirm-submit-no").trigger("click");
    expect(has(w, "confirm-submit")).toBe(false);
    expect(submits).toEqual([]);
    expect(w.emitted("submitted")).toBeUndefined();
  });
});

describe("IntakeView: the policy profile", () => {
  it("starts a new form with the office's default profile", async () => {
    const w = await mountIntake();
    expect(draftProfile.value).toBe("330182");
    expect((byId(w, "f-profile").element as HTMLSelectElement).value).toBe("330182");
    expect(has(w, "profile-draft")).toBe(false);
    expect(has(w, "profile-not-implemented")).toBe(false);
  });

  it("warns about a draft document and a county without recognition", async () => {
    defaultProfile = GONGSHU;
    const w = await mountIntake();
    expect(byId(w, "profile-draft").text()).toBe("征求意见稿");
    await byId(w, "f-profile").setValue("330000");
    expect(has(w, "profile-draft")).toBe(false);
    expect(byId(w, "profile-not-implemented").text()).toBe(
      "本县（市、区）尚未出台互认转换实施文件，按省级默认政策只能告知不予受理",
    );
  });

  it("keeps the profile of a draft being continued", async () => {
    draft.caseId = "0195a000-0000-7000-8000-000000000002";
    draftProfile.value = "330105";
    await mountIntake();
    expect(draftProfile.value).toBe("330105");
  });
});

describe("IntakeView: phone, paper slip and signature", () => {
  it("without a phone number the paper slip is automatic; with one it is the clerk's choice", async () => {
    const w = await mountIntake();
    const slip = byId(w, "f-paper-slip").element as HTMLInputElement;
    expect(slip.checked).toBe(true);
    expect(slip.disabled).toBe(true);
    expect(byId(w, "paper-slip-auto").text()).toBe("未填手机号码：签发后将为申请人打印纸质确认单");
    expect(draft.paperSlip).toBe(false); // the shell marks it; the clerk's own choice is untouched

    await byId(w, "f-phone").setValue("13812345678");
    expect(slip.checked).toBe(false);
    expect(slip.disabled).toBe(false);
    expect(has(w, "paper-slip-auto")).toBe(false);
    await byId(w, "f-paper-slip").setValue(true);
    expect(draft.paperSlip).toBe(true);
  });

  it("ticking 已签名 fills today's date, and never overwrites a typed one", async () => {
    const w = await mountIntake();
    await byId(w, "f-declaration-signed").setValue(true);
    await flushPromises();
    expect(draft.record.declaration.signed).toBe(true);
    expect((byId(w, "f-declaration-date").element as HTMLInputElement).value).toBe("2025-03-10");

    await byId(w, "f-declaration-signed").setValue(false);
    await byId(w, "f-declaration-date").setValue("2025-03-08");
    await byId(w, "f-declaration-signed").setValue(true);
    await flushPromises();
    expect(draft.record.declaration.date).toBe("2025-03-08");
  });
});

describe("IntakeView: special cases, guardian and facts", () => {
  it("ticks a special case and asks for the proof that fits its kind", async () => {
    const w = await mountIntake();
    expect(has(w, "f-special-kind")).toBe(false);
    await byId(w, "f-special").setValue(true);
    expect(draft.record.special_case).toEqual({ kind: null, proof: "" });
    expect(byId(w, "f-special-proof").attributes("placeholder")).toBe("认定文件名称及文号");
    await byId(w, "f-special-kind").setValue("talent_permit_exchange");
    expect(draft.record.special_case?.kind).toBe("talent_permit_exchange");
    expect(byId(w, "f-special-proof").attributes("placeholder")).toBe("引进人才居住证号码");
    expect(w.find('[data-field="special_case.proof"] [data-testid="f-special-proof"]').exists()).toBe(true);
    await byId(w, "f-special").setValue(false);
    expect(draft.record.special_case).toBeNull();
  });

  it("records the guardian's own income and the facts as numbers and 是/否/未核实", async () => {
    draft.record.guardian = { name: "", id_number: "", relationship: "", own_income: false };
    const w = await mountIntake();
    await byId(w, "f-guardian-own-income").setValue(true);
    expect(draft.record.guardian?.own_income).toBe(true);

    await byId(w, "f-fact-insurance-gap").setValue("0");
    expect(draft.record.evidence_facts.social_insurance.longest_gap_days).toBe(0);
    await byId(w, "f-fact-insurance-gap").setValue("");
    expect(draft.record.evidence_facts.social_insurance.longest_gap_days).toBeNull();
    await byId(w, "f-fact-guardian-insurance-back-paid").setValue("false");
    expect(draft.record.evidence_facts.minor.guardian_social_insurance_back_paid).toBe(false);
    await byId(w, "f-fact-commercial-housing").setValue("true");
    expect(draft.record.evidence_facts.rental.commercial_housing).toBe(true);
    await byId(w, "f-fact-commercial-housing").setValue("");
    expect(draft.record.evidence_facts.rental.commercial_housing).toBeNull();
    for (const path of [
      "evidence_facts.rental.landlord_title_proof",
      "evidence_facts.social_insurance.back_paid",
      "evidence_facts.minor.guardians_hold_permits",
      "evidence_facts.minor.guardian_social_insurance_months",
      "evidence_facts.minor.guardian_social_insurance_longest_gap_days",
    ]) {
      expect(w.find(`[data-field="${path}"] input, [data-field="${path}"] select`).exists(), path).toBe(true);
    }
  });

  it("checks the guardian's ID number as it is typed and shows the error under it", async () => {
    draft.record.guardian = { name: "", id_number: "", relationship: "", own_income: false };
    const w = await mountIntake();
    expect(has(w, "f-guardian-id-error")).toBe(false);
    await byId(w, "f-guardian-id").setValue("341203198501012021");
    await flushPromises();
    expect(byId(w, "f-guardian-id-error").text()).toBe("公民身份号码有误，请对照证件逐位核对：341203 19850101 2021");
    expect(byId(w, "f-guardian-id-grouped").text()).toBe("341203 19850101 2021");
    await byId(w, "f-guardian-id").setValue("34120319850101202");
    expect(has(w, "f-guardian-id-error")).toBe(false); // edited: the old verdict is gone
  });
});

describe("IntakeView: every field highlights alike", () => {
  it("marks a field the notice names only once the clerk has left it, pickers and dates too", async () => {
    answer = {
      ...assessmentFor("notice"),
      items: [
        materials("NAME_MISSING", "applicant.name", "请填写申请人姓名。"),
        materials("PERMIT_DATE", "existing_permit.issue_date", "请填写现有居住证的签发日期。"),
        materials("COUNTY_MISSING", "current_address.county_code", "请选择现居住地所在县（市、区）。"),
      ],
    };
    const w = await mountIntake();
    const invalid = (id: string) => byId(w, id).classes().includes("is-invalid");
    expect(invalid("f-name")).toBe(false);
    await byId(w, "f-name").trigger("focusout");
    await byId(w, "f-cur-county").trigger("focusout");
    expect(invalid("f-name")).toBe(true);
    expect(invalid("f-cur-county")).toBe(true);
    expect(invalid("f-cur-address"), "not named by the notice").toBe(false);

    // The permit's date field (once 现有证件互认 is ticked) behaves the same way.
    await byId(w, "f-type-existing_permit").setValue(true);
    await byId(w, "f-permit-date").setValue("2024-05-06");
    expect(draft.record.existing_permit?.issue_date).toBe("2024-05-06");
    await byId(w, "f-permit-date").setValue(" ");
    expect(draft.record.existing_permit?.issue_date, "an empty date is null").toBeNull();
    expect(invalid("f-permit-date")).toBe(false);
    await byId(w, "f-permit-date").trigger("focusout");
    expect(invalid("f-permit-date")).toBe(true);
  });

  it("takes a registration period the assessment names to its row, whose cells all show it", async () => {
    answer = {
      ...assessmentFor("not_eligible"),
      items: [reason("REGISTRATION_GAP", "registration_history[1]", "第2段居住登记与前一段之间中断超过30日。", "累计居住满6个月。")],
    };
    const w = await mountIntake();
    await byId(w, "f-type-registration_time").setValue(true);
    await byId(w, "f-reg-add").trigger("click");
    await flushPromises();
    expect(draft.record.registration_history).toHaveLength(2);
    await w.get('[data-code="REGISTRATION_GAP"]').trigger("click");
    const county = document.activeElement as HTMLElement | null;
    expect(county?.closest('[data-field="registration_history[1]"]'), "the second period's row has the focus").not.toBeNull();
    await byId(w, "f-reg-end-1").trigger("focusout");
    for (const id of ["f-reg-start-1", "f-reg-end-1"]) expect(byId(w, id).classes(), id).toContain("is-invalid");
    expect(byId(w, "f-reg-start-0").classes(), "the first period is fine").not.toContain("is-invalid");
  });
});
