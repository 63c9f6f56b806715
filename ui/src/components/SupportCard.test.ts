import { describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import SupportCard from "./SupportCard.vue";
import { IpcError, setBackend } from "../backend";
import { fakeBackend } from "../backend/testing";

describe("SupportCard", () => {
  it("proposes the USB stick, writes there and says where and how big", async () => {
    const asked: string[] = [];
    setBackend(
      fakeBackend({
        suggestedFolder: async () => "/media/clerk/KINGSTON",
        exportSupportBundle: async (path) => {
          asked.push(path);
          return { path: `${path}/permit-desk-support-20261205-101500.json`, bytes: 20480 };
        },
      }),
    );
    const wrapper = mount(SupportCard);
    await flushPromises();
    expect((wrapper.get('[data-testid="support-path"]').element as HTMLInputElement).value).toBe("/media/clerk/KINGSTON");
    expect(wrapper.text()).toContain("不含任何个人信息");
    await wrapper.get('[data-testid="support"]').trigger("submit");
    await flushPromises();
    expect(asked).toEqual(["/media/clerk/KINGSTON"]);
    expect(wrapper.get('[data-testid="support-written"]').text()).toBe(
      "已导出：/media/clerk/KINGSTON/permit-desk-support-20261205-101500.json（20 KB）",
    );
  });

  it("shows the backend's message when the stick is gone, and nothing is claimed written", async () => {
    const message = "找不到文件夹“/media/clerk/KINGSTON”，请检查路径，或U盘是否已插好。";
    setBackend(
      fakeBackend({
        suggestedFolder: async () => "/media/clerk/KINGSTON",
        exportSupportBundle: async () => {
          throw new IpcError({ code: "BUNDLE_FILE_NOT_FOUND", message, fields: [] });
        },
      }),
    );
    const wrapper = mount(SupportCard);
    await flushPromises();
    await wrapper.get('[data-testid="support"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="support-error"]').text()).toBe(message);
    expect(wrapper.find('[data-testid="support-written"]').exists()).toBe(false);
  });

  it("cannot export without a place to write to", async () => {
    setBackend(fakeBackend({ suggestedFolder: async () => "" }));
    const wrapper = mount(SupportCard);
    await flushPromises();
    expect(wrapper.get('[data-testid="support-export"]').attributes("disabled")).toBeDefined();
  });
});
