import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import ApplicantApp from "./ApplicantApp.vue";
import { IpcError, setBackend, type ApplicantScreenInfo } from "./backend";
import { fakeBackend } from "./backend/testing";

const base: ApplicantScreenInfo = {
  serial: 1,
  kind: "welcome",
  lines: [],
  confirm: null,
  confirmed: false,
  heading: null,
  items: [],
  rated: null,
};

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("the screen facing the applicant", () => {
  it("shows the draft, and 确认无误 goes back with the serial the applicant saw", async () => {
    let shown: ApplicantScreenInfo = {
      ...base,
      serial: 7,
      kind: "draft",
      lines: [{ label: "公民身份号码", value: "341203********1227" }],
      confirm: "核对无误后，您的申请将予受理。",
    };
    const confirmed: number[] = [];
    setBackend(
      fakeBackend({
        applicantScreen: async () => shown,
        applicantConfirms: async (serial) => {
          confirmed.push(serial);
          shown = { ...shown, confirmed: true };
          return true;
        },
      }),
    );
    const wrapper = mount(ApplicantApp);
    await flushPromises();
    expect(wrapper.get('[data-testid="applicant-line"]').text()).toContain("341203********1227");
    await wrapper.get('[data-testid="applicant-confirm"]').trigger("click");
    await flushPromises();
    expect(confirmed).toEqual([7]);
    expect(wrapper.find('[data-testid="applicant-confirmed"]').exists()).toBe(true);
    wrapper.unmount();
  });

  it("offers the five levels best first and says what a refused rating needs", async () => {
    const shown: ApplicantScreenInfo = { ...base, kind: "decided", heading: "您的申请已受理。" };
    const sent: [string, string][] = [];
    setBackend(
      fakeBackend({
        applicantScreen: async () => shown,
        applicantRates: async (level, reason) => {
          sent.push([level, reason]);
          if (reason === "") throw new IpcError({ code: "VALIDATION", message: "选择“不满意”时请写明原因，以便改进服务。", fields: [] });
          return { ...shown, rated: "不满意" };
        },
      }),
    );
    const wrapper = mount(ApplicantApp);
    await flushPromises();
    const levels = wrapper.findAll('[role="radio"]').map((button) => button.text());
    expect(levels).toEqual(["非常满意", "满意", "基本满意", "不满意", "非常不满意"]);
    expect(wrapper.find('[data-testid="rate-reason"]').exists(), "no reason asked for a good rating").toBe(false);
    await wrapper.get('[data-testid="rate-dissatisfied"]').trigger("click");
    await wrapper.get('[data-testid="rate-submit"]').trigger("click");
    await flushPromises();
    expect(wrapper.get('[data-testid="applicant-error"]').text()).toContain("原因");
    await wrapper.get('[data-testid="rate-reason"]').setValue("等候时间较长");
    await wrapper.get('[data-testid="rate-submit"]').trigger("click");
    await flushPromises();
    expect(sent).toEqual([
      ["dissatisfied", ""],
      ["dissatisfied", "等候时间较长"],
    ]);
    expect(wrapper.get('[data-testid="applicant-rated"]').text()).toContain("不满意");
    wrapper.unmount();
  });
});
