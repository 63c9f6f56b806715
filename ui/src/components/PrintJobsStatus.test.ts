import { flushPromises, mount } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setBackend, type PrintJobsInfo } from "../backend";
import { fakeBackend } from "../backend/testing";
import { dismissEndedJobs, printJobsChanged } from "../stores/printJobs";
import PrintJobsStatus from "./PrintJobsStatus.vue";

const held = {
  job: "PermitDeskSlow-7",
  case_id: "c1",
  document: "确认单",
  queued_at: "2026-12-05 10:02",
  queued_by: "zhang",
};

describe("PrintJobsStatus", () => {
  afterEach(() => {
    vi.useRealTimers();
    dismissEndedJobs();
  });

  it("shows a held job, then says once that it printed and tells the worklists", async () => {
    vi.useFakeTimers();
    const answers: PrintJobsInfo[] = [
      { waiting: [held], ended: [] },
      {
        waiting: [],
        ended: [{ job: held, printed: true, message: "确认单（打印任务 PermitDeskSlow-7，2026-12-05 10:02 发送）已打印完成。" }],
      },
      { waiting: [], ended: [] },
    ];
    setBackend(fakeBackend({ printJobs: async () => answers.shift() ?? { waiting: [], ended: [] } }));
    const before = printJobsChanged.value;
    const wrapper = mount(PrintJobsStatus);
    await flushPromises();
    const badge = wrapper.get('[data-testid="print-jobs-waiting"]');
    expect(badge.text()).toBe("打印机排队 1");
    expect(badge.attributes("title")).toContain("PermitDeskSlow-7");
    expect(badge.attributes("title")).toContain("由 zhang 发送");
    expect(wrapper.find('[data-testid="print-jobs-ended"]').exists()).toBe(false);

    await vi.advanceTimersByTimeAsync(5000);
    await flushPromises();
    expect(wrapper.find('[data-testid="print-jobs-waiting"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="print-jobs-ended"]').text()).toContain("已打印完成");
    expect(printJobsChanged.value).toBe(before + 1);

    // Said until closed; a look with nothing new does not say it again or refresh.
    await vi.advanceTimersByTimeAsync(5000);
    await flushPromises();
    expect(printJobsChanged.value).toBe(before + 1);
    await wrapper.get('[data-testid="print-jobs-ended-close"]').trigger("click");
    expect(wrapper.find('[data-testid="print-jobs-ended"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it("says nothing while logged out or locked", async () => {
    setBackend(fakeBackend({}));
    const wrapper = mount(PrintJobsStatus);
    await flushPromises();
    expect(wrapper.text()).toBe("");
    wrapper.unmount();
  });
});
