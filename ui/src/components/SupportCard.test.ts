import { describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import SupportCard from "./SupportCard.vue";
import { IpcError, setBackend, type PlaceInfo } from "../backend";
import { fakeBackend } from "../backend/testing";

const STICK: PlaceInfo = { path: "/media/clerk/KINGSTON", label: "KINGSTON", removable: true, free_bytes: 3.5 * 1024 ** 3, total_bytes: 8 * 1024 ** 3 };
const HOME: PlaceInfo = { path: "/home/clerk", label: "本机主文件夹", removable: false, free_bytes: 200 * 1024 ** 2, total_bytes: 1024 ** 4 };

describe("SupportCard", () => {
  it("offers the USB stick first, writes there and says where and how big", async () => {
    const asked: string[] = [];
    setBackend(
      fakeBackend({
        exportPlaces: async () => [STICK, HOME],
        exportSupportBundle: async (path) => {
          asked.push(path);
          return { path: `${path}/permit-desk-support-20261205-101500.json`, bytes: 20480 };
        },
      }),
    );
    const wrapper = mount(SupportCard);
    await flushPromises();
    expect(wrapper.find("input[type=text]").exists(), "nothing to type").toBe(false);
    expect(wrapper.get('[data-testid="support-place-KINGSTON"]').text()).toContain("U盘 可用 3.5 GB");
    expect(wrapper.get('[data-testid="support-place-本机主文件夹"]').text()).toContain("本机 可用 200 MB");
    expect((wrapper.get('[data-testid="support-place-KINGSTON"] input').element as HTMLInputElement).checked).toBe(true);
    expect(wrapper.text()).toContain("不含任何个人信息");
    await wrapper.get('[data-testid="support"]').trigger("submit");
    await flushPromises();
    expect(asked).toEqual(["/media/clerk/KINGSTON"]);
    expect(wrapper.get('[data-testid="support-written"]').text()).toBe(
      "已导出：/media/clerk/KINGSTON/permit-desk-support-20261205-101500.json（20 KB）",
    );
  });

  it("lists a stick put in after the page opened once 刷新 is pressed", async () => {
    let places: PlaceInfo[] = [];
    setBackend(fakeBackend({ exportPlaces: async () => places }));
    const wrapper = mount(SupportCard);
    await flushPromises();
    expect(wrapper.get('[data-testid="support-places-none"]').text()).toContain("请插入U盘");
    expect(wrapper.get('[data-testid="support-export"]').attributes("disabled")).toBeDefined();
    places = [STICK];
    await wrapper.get('[data-testid="support-places-refresh"]').trigger("click");
    await flushPromises();
    expect((wrapper.get('[data-testid="support-place-KINGSTON"] input').element as HTMLInputElement).checked).toBe(true);
    expect(wrapper.get('[data-testid="support-export"]').attributes("disabled")).toBeUndefined();
  });

  it("shows the backend's message when the stick is gone, and nothing is claimed written", async () => {
    const message = "找不到文件夹“/media/clerk/KINGSTON”，请检查U盘是否已插好。";
    setBackend(
      fakeBackend({
        exportPlaces: async () => [STICK],
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
});
