import { afterEach, describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import UpgradeNotice from "./UpgradeNotice.vue";
import { setBackend, type UpgradeInfo } from "../backend";
import { fakeBackend, signInAs } from "../backend/testing";
import { office } from "../stores/session";

const UPGRADE: UpgradeInfo = {
  seq: 41,
  at: "2026-12-05 09:12",
  from: 7,
  to: 8,
  copy: "/home/counter/.local/share/org.permitdesk.counter/db/office.before-upgrade-v7.db",
};

afterEach(() => {
  office.status = null;
  localStorage.clear();
});

describe("UpgradeNotice", () => {
  it("says once what an upgrade did and where the old database lies", async () => {
    signInAs(["accept"]);
    setBackend(fakeBackend({ lastUpgrade: async () => UPGRADE }));
    const wrapper = mount(UpgradeNotice);
    await flushPromises();
    const notice = wrapper.get('[data-testid="upgrade-notice"]');
    expect(notice.text()).toContain("2026-12-05 09:12 从结构 7 升级到结构 8");
    expect(wrapper.get('[data-testid="upgrade-copy"]').text()).toContain("office.before-upgrade-v7.db");
    await wrapper.get('[data-testid="upgrade-dismiss"]').trigger("click");
    expect(wrapper.find('[data-testid="upgrade-notice"]').exists()).toBe(false);

    const again = mount(UpgradeNotice);
    await flushPromises();
    expect(again.find('[data-testid="upgrade-notice"]').exists()).toBe(false);
    setBackend(fakeBackend({ lastUpgrade: async () => ({ ...UPGRADE, seq: 90, from: 8, to: 9 }) }));
    const next = mount(UpgradeNotice);
    await flushPromises();
    expect(next.get('[data-testid="upgrade-notice"]').text()).toContain("从结构 8 升级到结构 9");
  });

  it("shows nothing for an office never upgraded", async () => {
    signInAs(["accept"]);
    setBackend(fakeBackend({ lastUpgrade: async () => null }));
    const wrapper = mount(UpgradeNotice);
    await flushPromises();
    expect(wrapper.find('[data-testid="upgrade-notice"]').exists()).toBe(false);
  });
});
