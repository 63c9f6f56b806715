import { afterEach, describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import SyncStatus from "./SyncStatus.vue";
import { setBackend, type SyncStatusInfo } from "../backend";
import { fakeBackend, signInAs } from "../backend/testing";

const fine: SyncStatusInfo = {
  queued: 2,
  quarantined: 0,
  offline: false,
  running: false,
  done: 0,
  total: 0,
  last_success_at: "2025-03-10 09:30",
  problem: null,
  queue_too_old: false,
  clock_warning: null,
  clock_behind: false,
  disk_warning: null,
  holiday_warning: null,
  audit_warning: null,
};

function mountWith(status: SyncStatusInfo) {
  setBackend(fakeBackend({ syncStatus: async () => status }));
  return mount(SyncStatus);
}

describe("SyncStatus", () => {
  let wrapper: ReturnType<typeof mount> | undefined;
  afterEach(() => wrapper?.unmount());

  it("shows no warning when the clock and the disk are fine", async () => {
    wrapper = mountWith(fine);
    await flushPromises();
    expect(wrapper.get('[data-testid="sync-queued"]').attributes("data-count")).toBe("2");
    expect(wrapper.find('[data-testid="sync-clock"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="sync-disk"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="sync-holiday-warning"]').exists()).toBe(false);
  });

  it("warns about a wrong clock and a nearly full disk, with the reason on hover", async () => {
    const clock = "本机时间比省平台慢约 10 分钟，请管理员校准系统时间。";
    const disk = "数据所在磁盘空间将满（仅剩 512 MB）。";
    wrapper = mountWith({ ...fine, clock_warning: clock, disk_warning: disk });
    await flushPromises();
    const clockBadge = wrapper.get('[data-testid="sync-clock"]');
    expect(clockBadge.text()).toBe("本机时间不准");
    expect(clockBadge.attributes("title")).toBe(clock);
    const diskBadge = wrapper.get('[data-testid="sync-disk"]');
    expect(diskBadge.text()).toBe("磁盘空间将满");
    expect(diskBadge.attributes("title")).toBe(disk);
  });

  it("warns that next year's holiday table is missing, with the sentence on hover", async () => {
    const holiday = "尚未导入2027年节假日安排，明年的办结期限将按估算计算，请管理员及时更新。";
    wrapper = mountWith({ ...fine, holiday_warning: holiday });
    await flushPromises();
    const badge = wrapper.get('[data-testid="sync-holiday-warning"]');
    expect(badge.text()).toBe("节假日表待更新");
    expect(badge.attributes("title")).toBe(holiday);
    expect(wrapper.get(".sync").attributes("title")).toContain(holiday);
  });

  it("shows a red alarm when the audit chain's check at log-in failed, with the sentence", async () => {
    const audit = "审计记录核验未通过：第 12 条起的记录被改动或删除过。请立即报告管理员并联系技术支持。";
    wrapper = mountWith({ ...fine, audit_warning: audit });
    await flushPromises();
    const badge = wrapper.get('[data-testid="sync-audit-warning"]');
    expect(badge.text()).toBe("审计记录异常");
    expect(badge.attributes("title")).toBe(audit);
    expect(badge.attributes("role")).toBe("alert");
    expect(badge.classes()).toContain("badge--alarm");
  });

  it("opens a clock set back, and an administrator confirms it once set right", async () => {
    signInAs(["admin"]);
    const warning = "本机时间（2026-03-01 09:12）早于本办理点已记录的时间（2026-03-02 09:10），系统时间可能被调回或主板电池失效。";
    let status: SyncStatusInfo = { ...fine, clock_warning: warning, clock_behind: true };
    let confirmed = 0;
    setBackend(
      fakeBackend({
        syncStatus: async () => status,
        confirmClock: async () => {
          confirmed += 1;
          status = { ...status, clock_warning: null, clock_behind: false };
        },
      }),
    );
    wrapper = mount(SyncStatus);
    await flushPromises();
    await wrapper.get('[data-testid="sync-clock"]').trigger("click");
    expect(wrapper.get('[data-testid="clock-warning"]').text()).toBe(warning);
    expect(wrapper.text()).toContain("校准后点击下方按钮确认");
    await wrapper.get('[data-testid="clock-confirm"]').trigger("click");
    await flushPromises();
    expect(confirmed).toBe(1);
    expect(wrapper.find('[data-testid="clock-dialog"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="sync-clock"]').exists()).toBe(false);
  });

  it("a clerk is told to ask the administrator, with no confirm button", async () => {
    signInAs(["accept"]);
    wrapper = mountWith({ ...fine, clock_warning: "本机时间早于…", clock_behind: true });
    await flushPromises();
    await wrapper.get('[data-testid="sync-clock"]').trigger("click");
    expect(wrapper.find('[data-testid="clock-confirm"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="clock-dialog"]').text()).toContain("请联系管理员校准系统时间");
  });
});
