import { afterEach, describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import CaseView from "./CaseView.vue";
import { setBackend, type Backend, type CaseInfo, type DocumentKey, type PageDto, type RoleKey } from "../backend";
import { emptyRecord } from "../record";
import { caseInfo, fakeBackend, JIANDE, printBackend, signInAs } from "../backend/testing";
import { office } from "../stores/session";

const stubs = { PdfPreview: true };

function mountCase(
  info: CaseInfo,
  options: { roles?: RoleKey[]; openDocument?: DocumentKey; pages?: PageDto[]; commands?: Partial<Backend> } = {},
) {
  signInAs(options.roles ?? ["accept"]);
  const previews: { document: string; largePrint: boolean | null | undefined }[] = [];
  setBackend(
    fakeBackend({
      ...printBackend(previews),
      getCase: async () => info,
      caseAudit: async () => [],
      listProfiles: async () => [JIANDE],
      listPages: async () => ({ pages: options.pages ?? [], unproven: [] }),
      pageImage: async (pageId) => `data:image/jpeg;base64,${pageId}`,
      ...options.commands,
    }),
  );
  const wrapper = mount(CaseView, {
    props: { caseId: info.id, openDocument: options.openDocument },
    global: { stubs },
    attachTo: document.body,
  });
  mounted.push(wrapper);
  return { wrapper, previews };
}

const selected = (wrapper: ReturnType<typeof mount>) => (wrapper.get('[data-testid="print-document"]').element as HTMLSelectElement).value;

/** Every case page a test opened, closed after it (their key listeners go with them). */
const mounted: { unmount: () => void }[] = [];
afterEach(() => {
  for (const wrapper of mounted.splice(0)) wrapper.unmount();
  office.status = null;
});

/** A scanned page of the labour contract, unmarked. */
function pageAt(id: string, position: number): PageDto {
  return {
    id,
    position,
    evidence: "employment.labour_contract",
    width: 1240,
    height: 1754,
    mode: "grey",
    sha256: id.repeat(8),
    kilobytes: 120,
    thumbnail: "data:image/jpeg;base64,",
    mark: null,
  };
}

describe("CaseView", () => {
  it("a case not eligible: closed for good, the refusal notice one click away, a new application offered", async () => {
    const { wrapper, previews } = mountCase(
      caseInfo({ state: "not_eligible", state_label: "不予受理", due_date: null, documents: ["form", "refusal"] }),
    );
    await flushPromises();
    const badge = wrapper.get('[data-testid="case-state"]');
    expect(badge.text()).toBe("不予受理");
    expect(badge.attributes("data-state")).toBe("not_eligible");
    expect(selected(wrapper)).toBe("refusal");
    expect(wrapper.get('[data-testid="case-closed"]').text()).toContain("不能补正");
    expect(wrapper.find('[data-testid="case-edit"]').exists()).toBe(false);
    expect(previews).toEqual([]);

    const print = wrapper.get('[data-testid="banner-print-refusal"]');
    expect(print.text()).toBe("打印不予受理告知书");
    await print.trigger("click");
    await flushPromises();
    expect(previews).toEqual([{ document: "refusal", largePrint: undefined }]);
    expect(wrapper.get('[data-testid="preview"]').text()).toContain("不予受理告知书");

    await wrapper.get('[data-testid="case-new-application"]').trigger("click");
    expect(wrapper.emitted("newApplication")).toEqual([[]]);
  });

  it("a case refused at review offers the 不予办理告知书 in one click", async () => {
    const { wrapper, previews } = mountCase(
      caseInfo({ state: "rejected", state_label: "不予通过", documents: ["form", "receipt", "review", "rejection"] }),
      { roles: ["review"] },
    );
    await flushPromises();
    expect(selected(wrapper)).toBe("rejection");
    expect(wrapper.get('[data-testid="case-banner-text"]').text()).toContain("不予办理告知书");
    const print = wrapper.get('[data-testid="banner-print-rejection"]');
    expect(print.text()).toBe("打印不予办理告知书");
    await print.trigger("click");
    await flushPromises();
    expect(previews).toEqual([{ document: "rejection", largePrint: undefined }]);
    expect(wrapper.find('[data-testid="case-step"]').exists(), "nothing left to sign").toBe(false);
  });

  it("an accepted case preselects the receipt and shows the estimated deadline and the profile", async () => {
    const estimate = "2027年节假日安排尚未公布，办结期限按周末推算，仅供参考。";
    const { wrapper, previews } = mountCase(caseInfo({ due_estimate: estimate }));
    await flushPromises();
    expect(selected(wrapper)).toBe("receipt");
    expect(wrapper.get('[data-testid="banner-print-receipt"]').text()).toBe("打印受理回执");
    expect(wrapper.find('[data-testid="case-new-application"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="case-due"]').text()).toBe("2026-12-18");
    expect(wrapper.get('[data-testid="case-due-estimate"]').text()).toBe(estimate);
    expect(wrapper.get('[data-testid="case-profile"]').text()).toBe("建德市（建政办发〔2025〕12号）");
    expect(previews).toEqual([]);
  });

  it("the receipt's banner is the counter's: not the reviewer's at 已受理, nobody's once reviewed", async () => {
    const atReview = mountCase(caseInfo({}), { roles: ["review"] }).wrapper;
    await flushPromises();
    expect(atReview.find('[data-testid="case-banner"]').exists()).toBe(false);
    expect(selected(atReview), "the print panel still starts at the receipt").toBe("receipt");
    const reviewed = mountCase(
      caseInfo({ state: "reviewed", state_label: "已审核", documents: ["form", "receipt", "review"] }),
      { roles: ["accept", "approve"] },
    ).wrapper;
    await flushPromises();
    expect(reviewed.find('[data-testid="case-banner"]').exists()).toBe(false);
  });

  it("opens the document it was asked to show, right after loading", async () => {
    const { wrapper, previews } = mountCase(
      caseInfo({ state: "refused", state_label: "已一次性告知", due_date: null, documents: ["form", "notice"] }),
      { openDocument: "notice" },
    );
    await flushPromises();
    expect(previews).toEqual([{ document: "notice", largePrint: undefined }]);
    expect(selected(wrapper)).toBe("notice");
    expect(wrapper.find('[data-testid="preview"]').exists()).toBe(true);
    expect(wrapper.get('[data-testid="banner-print-notice"]').text()).toBe("打印一次性告知书");
    expect(wrapper.find('[data-testid="case-edit"]').exists()).toBe(true);
  });

  it("an issued case whose applicant needs the paper slip offers the slip until it is printed", async () => {
    const { wrapper } = mountCase(
      caseInfo({ state: "issued", permit_number: "330182202612040001", paper_slip: true, documents: ["form", "receipt", "slip"] }),
    );
    await flushPromises();
    expect(selected(wrapper)).toBe("slip");
    expect(wrapper.get('[data-testid="banner-print-slip"]').text()).toBe("打印确认单");
    expect(wrapper.find('[data-testid="slip-wanted"]').exists()).toBe(true);
  });

  it("an issued case with its slip printed calls for nothing", async () => {
    const { wrapper } = mountCase(
      caseInfo({ state: "issued", paper_slip: true, slip_printed_at: "2026-12-20 10:00", documents: ["form", "receipt", "slip"] }),
    );
    await flushPromises();
    expect(wrapper.find('[data-testid="case-banner"]').exists()).toBe(false);
    expect(selected(wrapper)).toBe("form");
  });

  it("shows the reviewer the whole application, the reasoning and the proofs beside their boxes", async () => {
    const record = emptyRecord();
    record.applicant.name = "陈静";
    record.applicant.ethnic_group = "01";
    record.current_address.county_code = "330182";
    record.recognition_type = "registration_time";
    record.registration_history = [{ county_code: "330182", start: "2024-07-10", end: null }];
    record.evidence.employment.labour_contract = true;
    record.evidence.employment.social_insurance = true;
    const page = pageAt;
    const info = caseInfo({
      record,
      ethnic_names: { "01": "汉族" },
      assessment: {
        decision: "accept",
        profile: JIANDE,
        items: [],
        unscanned: [],
        due_if_accepted_today: "2026-12-18",
        due_estimate: null,
        paper_slip_needed: false,
      },
      explanation: [
        { key: "registration_time", title: "居住登记时间", outcome: "met", sentence: "在浙江省内连续累计居住登记8个月（2024年7月10日至今）；须满6个月。" },
        { key: "study", title: "连续就读", outcome: "not_applicable", sentence: "未勾选。" },
      ],
    });
    const { wrapper } = mountCase(info, { roles: ["review"], pages: [page("p1", 1), page("p2", 2)] });
    await flushPromises();

    const sheet = wrapper.get('[data-testid="application-sheet"]');
    expect(sheet.get('[data-testid="sheet-ethnic"]').text()).toBe("汉族");
    expect(sheet.get('[data-testid="sheet-current-county"]').text()).toBe("浙江省杭州市建德市");
    const boxes = sheet.findAll('[data-testid="sheet-evidence"]');
    expect(boxes).toHaveLength(18);
    expect(boxes.filter((box) => box.attributes("data-ticked") === "true").map((box) => box.attributes("data-evidence"))).toEqual([
      "employment.labour_contract",
      "employment.social_insurance",
    ]);
    expect(sheet.get('[data-testid="sheet-registration"]').text()).toContain("至今");

    const reasoning = wrapper.get('[data-testid="case-assessment"]');
    expect(reasoning.text()).toContain("符合受理条件");
    expect(reasoning.find('[data-testid="assessment-due"]').exists(), "no 'if accepted today' on an accepted case").toBe(false);
    const rules = reasoning.findAll('[data-testid="explained-rule"]');
    expect(rules.map((rule) => [rule.attributes("data-key"), rule.attributes("data-outcome")])).toEqual([
      ["registration_time", "met"],
      ["study", "not_applicable"],
    ]);
    expect(rules[0].text()).toBe("✓居住登记时间：在浙江省内连续累计居住登记8个月（2024年7月10日至今）；须满6个月。");

    const groups = wrapper.findAll('[data-testid="case-pages-group"]');
    expect(groups.map((group) => [group.attributes("data-evidence"), group.attributes("data-missing")])).toEqual([
      ["employment.labour_contract", "false"],
      ["employment.social_insurance", "true"],
    ]);
    await wrapper.findAll('[data-testid="case-page"]')[0].trigger("click");
    await flushPromises();
    const caption = () => wrapper.get('[data-testid="page-viewer-caption"]').text();
    expect(caption()).toBe("第 1 页，共 2 页 · 签订劳动合同");
    expect(wrapper.get('[data-testid="page-viewer-image"]').attributes("src")).toContain("p1");
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "PageDown" }));
    await flushPromises();
    expect(caption()).toBe("第 2 页，共 2 页 · 签订劳动合同");
    expect(wrapper.get('[data-testid="page-viewer-image"]').attributes("src")).toContain("p2");
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "PageDown" }));
    await flushPromises();
    expect(caption(), "the last page stays").toContain("第 2 页");
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    await flushPromises();
    expect(wrapper.find('[data-testid="page-viewer"]').exists()).toBe(false);
  });

  it("Ctrl+Enter signs the review with the opinion as written", async () => {
    const signed: string[] = [];
    const info = caseInfo();
    const { wrapper } = mountCase(info, {
      roles: ["review"],
      commands: {
        reviewCase: async (_caseId, opinion) => {
          signed.push(opinion);
          return { ...info, state: "reviewed", state_label: "已审核", reviewed_by: "审核员乙" };
        },
      },
    });
    await flushPromises();
    await wrapper.get('[data-testid="case-opinion"]').setValue("经审核，材料真实有效，符合互认转换条件。");
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true }));
    await flushPromises();
    expect(signed).toEqual(["经审核，材料真实有效，符合互认转换条件。"]);
    expect(wrapper.get('[data-testid="case-state"]').text()).toBe("已审核");
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true }));
    await flushPromises();
    expect(signed, "a reviewed case has no step for this clerk").toHaveLength(1);
  });

  it("sends the case back to the counter with one reason per line, after a dialog", async () => {
    const sent: string[][] = [];
    let passed = 0;
    const info = caseInfo();
    const { wrapper } = mountCase(info, {
      roles: ["review"],
      commands: {
        reviewCase: async () => {
          passed += 1;
          return info;
        },
        sendBackCase: async (_caseId, reasons) => {
          sent.push(reasons);
          return { ...info, state: "refused", state_label: "已一次性告知", documents: ["form", "notice"] };
        },
      },
    });
    await flushPromises();
    await wrapper.get('[data-testid="case-send-back"]').trigger("click");
    expect(wrapper.get('[data-testid="confirm-send-back"]').text()).toContain("补正后重新受理");
    await wrapper.get('[data-testid="case-send-back-reasons"]').setValue("劳动合同扫描件不清晰\n\n  户籍地址与身份证不一致 ");
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true }));
    await flushPromises();
    expect(passed, "Ctrl+Enter in the dialog sends back; it never passes the case").toBe(0);
    expect(sent).toEqual([["劳动合同扫描件不清晰", "户籍地址与身份证不一致"]]);
    expect(wrapper.find('[data-testid="confirm-send-back"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="case-state"]').text()).toBe("已一次性告知");
  });

  it("Alt+T opens 退回补正 with the reasons of the marked pages, editable; Esc closes it", async () => {
    const marked = (id: string, position: number, reason: string): PageDto => ({
      ...pageAt(id, position),
      mark: { mark: "unclear", note: "", by: "审核员乙", at: "2026-12-04 10:00", reason },
    });
    const pages = [marked("p2", 2, "第2页不清晰，请重新提供清晰的材料"), marked("p1", 1, "第1页（签订劳动合同）不清晰，请重新提供清晰的材料")];
    const { wrapper } = mountCase(caseInfo(), {
      roles: ["review"],
      commands: { listPages: async () => ({ pages, unproven: [] }) },
    });
    await flushPromises();
    expect(wrapper.findAll('[data-testid="case-page-mark"]').length).toBe(2);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "t", code: "KeyT", altKey: true }));
    await flushPromises();
    const reasons = wrapper.get('[data-testid="case-send-back-reasons"]').element as HTMLTextAreaElement;
    expect(reasons.value).toBe("第1页（签订劳动合同）不清晰，请重新提供清晰的材料\n第2页不清晰，请重新提供清晰的材料");
    expect(wrapper.find('[data-testid="send-back-from-marks"]').exists()).toBe(true);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    await flushPromises();
    expect(wrapper.find('[data-testid="confirm-send-back"]').exists()).toBe(false);
  });
});
