import { describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import QuarantineView from "./QuarantineView.vue";
import { setBackend, type QuarantinedRecord } from "../backend";
import { fakeBackend, signInAs } from "../backend/testing";

const refused: QuarantinedRecord = {
  id: "0193a000-0000-7000-8000-000000000001",
  case_id: "0193a000-0000-7000-8000-0000000000aa",
  summary: "状态变更：已审核 → 已审批",
  code: "RECORD_INVALID",
  reason: "省平台认为记录内容不合规：居住地址不在本省",
  next_step: "请受理人打开该案件核对申请表，按退回原因更正。",
  applicant: "周敏",
  application_number: "33018201-20250310-0001",
  correctable: true,
  attempts: 1,
  set_aside_at: "2025-03-10 09:40",
};

describe("QuarantineView", () => {
  it("lists refused records with the reason and resends one after confirming", async () => {
    let held = [refused];
    const resent: string[] = [];
    setBackend(
      fakeBackend({
        listQuarantined: async () => held,
        resendRecord: async (id) => {
          resent.push(id);
          held = [];
        },
      }),
    );
    const wrapper = mount(QuarantineView);
    await flushPromises();
    const row = wrapper.get(`[data-testid="quarantined-${refused.id}"]`);
    expect(row.text()).toContain("状态变更：已审核 → 已审批");
    expect(row.text()).toContain("居住地址不在本省");
    expect(row.text()).toContain("RECORD_INVALID");
    expect(row.get('[data-testid="quarantine-applicant"]').text()).toBe("周敏");
    expect(row.get('[data-testid="quarantine-number"]').text()).toBe("33018201-20250310-0001");
    expect(row.get('[data-testid="quarantine-next-step"]').text()).toContain("请受理人打开该案件");
    expect(row.text()).not.toContain(String(refused.case_id).slice(0, 8));
    expect(row.text()).toContain("2025-03-10 09:40");

    await wrapper.get(`[data-testid="resend-${refused.id}"]`).trigger("click");
    expect(wrapper.find('[data-testid="confirm-resend"]').exists()).toBe(true);
    expect(resent).toEqual([]);
    await wrapper.get('[data-testid="confirm-resend-yes"]').trigger("click");
    await flushPromises();
    expect(resent).toEqual([refused.id]);
    expect(wrapper.find('[data-testid="quarantine-empty"]').exists()).toBe(true);
    expect(wrapper.get('[data-testid="quarantine-notice"]').text()).toBe("已重新放入上传队列。");
  });

  it("cancelling the confirmation resends nothing", async () => {
    const resent: string[] = [];
    setBackend(
      fakeBackend({
        listQuarantined: async () => [refused],
        resendRecord: async (id) => {
          resent.push(id);
        },
      }),
    );
    const wrapper = mount(QuarantineView);
    await flushPromises();
    await wrapper.get(`[data-testid="resend-${refused.id}"]`).trigger("click");
    await wrapper.get('[data-testid="confirm-resend"] button').trigger("click");
    await flushPromises();
    expect(wrapper.find('[data-testid="confirm-resend"]').exists()).toBe(false);
    expect(resent).toEqual([]);
  });

  it("offers 更正后重报 for a refused application to a clerk who may change it", async () => {
    signInAs(["approve"]);
    setBackend(fakeBackend({ listQuarantined: async () => [refused, { ...refused, id: "other", correctable: false }] }));
    const wrapper = mount(QuarantineView);
    await flushPromises();
    expect(wrapper.find('[data-testid="correct-other"]').exists()).toBe(false);
    await wrapper.get(`[data-testid="correct-${refused.id}"]`).trigger("click");
    expect(wrapper.emitted("correct")).toEqual([[refused.id, refused.case_id, refused.reason]]);
    signInAs(["admin"]);
    const admin = mount(QuarantineView);
    await flushPromises();
    expect(admin.find(`[data-testid="correct-${refused.id}"]`).exists()).toBe(false);
  });
});
