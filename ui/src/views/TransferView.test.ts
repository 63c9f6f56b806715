import { afterEach, describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import TransferView from "./TransferView.vue";
import { setBackend } from "../backend";
import { fakeBackend, signInAs, transferBackend, transferState } from "../backend/testing";
import { office } from "../stores/session";

const KEY = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29";
const OTHER = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

afterEach(() => {
  office.status = null;
});

describe("TransferView", () => {
  it("lets an administrator set the platform key and shows its fingerprint", async () => {
    signInAs(["admin"]);
    const state = transferState(3);
    setBackend(fakeBackend(transferBackend(state)));
    const wrapper = mount(TransferView);
    await flushPromises();
    expect(wrapper.get('[data-testid="platform-key-missing"]').text()).toContain("尚未设置省平台的离线交换公钥");
    expect(wrapper.get('[data-testid="export-submit"]').attributes("disabled")).toBeDefined();

    await wrapper.get('[data-testid="platform-key-input"]').setValue("xyz");
    await wrapper.get('[data-testid="platform-key-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="platform-key-error"]').text()).toBe("省平台公钥无效：应为 64 位十六进制数字。");

    await wrapper.get('[data-testid="platform-key-input"]').setValue(KEY);
    expect(wrapper.get('[data-testid="platform-key-preview"]').text()).toContain("3b6a 27bc ceb6 a42d");
    await wrapper.get('[data-testid="platform-key-form"]').trigger("submit");
    await flushPromises();
    expect(state.keysSet).toEqual([{ key: KEY, replace: false }]);
    expect(wrapper.get('[data-testid="platform-key-fingerprint"]').text()).toBe("3b6a 27bc ceb6 a42d");
    expect(wrapper.get('[data-testid="platform-key-notice"]').text()).toBe("省平台公钥已保存，指纹 3b6a 27bc ceb6 a42d。");
    expect(wrapper.find('[data-testid="platform-key-error"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="export-submit"]').attributes("disabled")).toBeUndefined();
  });

  it("replaces a kept key only after the administrator confirms, and not when cancelled", async () => {
    signInAs(["admin"]);
    const state = transferState(0, KEY);
    setBackend(fakeBackend(transferBackend(state)));
    const wrapper = mount(TransferView);
    await flushPromises();
    await wrapper.get('[data-testid="platform-key-change"]').trigger("click");
    await wrapper.get('[data-testid="platform-key-input"]').setValue(OTHER);
    await wrapper.get('[data-testid="platform-key-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="confirm-replace-key"]').text()).toContain("3b6a 27bc ceb6 a42d");
    expect(wrapper.get('[data-testid="confirm-replace-new"]').text()).toBe("d75a 9801 82b1 0ab7");
    expect(state.keysSet).toEqual([]);

    await wrapper.get('[data-testid="platform-key-replace-no"]').trigger("click");
    expect(wrapper.find('[data-testid="confirm-replace-key"]').exists()).toBe(false);
    expect(state.platformKey).toBe(KEY);

    await wrapper.get('[data-testid="platform-key-form"]').trigger("submit");
    await flushPromises();
    await wrapper.get('[data-testid="platform-key-replace-yes"]').trigger("click");
    await flushPromises();
    expect(state.keysSet).toEqual([{ key: OTHER, replace: true }]);
    expect(wrapper.get('[data-testid="platform-key-fingerprint"]').text()).toBe("d75a 9801 82b1 0ab7");
  });

  it("tells an approver without a key to ask an administrator, with no key form", async () => {
    signInAs(["approve"]);
    setBackend(fakeBackend(transferBackend(transferState(2))));
    const wrapper = mount(TransferView);
    await flushPromises();
    expect(wrapper.get('[data-testid="platform-key-missing"]').text()).toBe(
      "尚未设置省平台的离线交换公钥，请管理员设置后再导出或导入。",
    );
    expect(wrapper.find('[data-testid="platform-key-form"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="import-submit"]').attributes("disabled")).toBeDefined();
  });

  it("exports the queue to the stick, says the records stay queued, and imports the answer once", async () => {
    signInAs(["approve"]);
    const state = transferState(3, KEY);
    setBackend(fakeBackend(transferBackend(state)));
    const wrapper = mount(TransferView);
    await flushPromises();
    expect(wrapper.get('[data-testid="transfer-sendable"]').text()).toBe("可导出的待发送记录：3 条");
    expect((wrapper.get('[data-testid="export-path"]').element as HTMLInputElement).value).toBe("/media/clerk/STICK");
    expect((wrapper.get('[data-testid="import-path"]').element as HTMLInputElement).value).toBe("/media/clerk/STICK/");

    await wrapper.get('[data-testid="export-form"]').trigger("submit");
    await flushPromises();
    expect(state.exports).toEqual([3]);
    const summary = wrapper.get('[data-testid="export-summary"]').text();
    expect(summary).toContain("/media/clerk/STICK/permit-desk-export-20250310-091500.pdb");
    expect(summary).toContain("3 条记录、2 张扫描页");
    expect(wrapper.get('[data-testid="export-bundle-id"]').text()).toBe("0195a000-0000-7000-8000-00000000b001");
    expect(wrapper.get('[data-testid="export-stay-queued"]').text()).toContain("仍在待上传队列中");
    expect(wrapper.get('[data-testid="transfer-sendable"]').text()).toBe("可导出的待发送记录：3 条");

    // The platform answers on its side; the clerk types the answer's name.
    state.files.set("/media/clerk/STICK/answer.pdb", { kind: "answer", records: 3 });
    await wrapper.get('[data-testid="import-path"]').setValue("/media/clerk/STICK/answer.pdb");
    await wrapper.get('[data-testid="import-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="import-summary"]').text()).toBe(
      "省平台确认 3 条，退回 0 条，仍待上报 0 条；应用平台决定 1 项（签发 1 项，不予通过 0 项）。",
    );
    expect(wrapper.find('[data-testid="import-unchanged"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="transfer-sendable"]').text()).toBe("可导出的待发送记录：0 条");

    await wrapper.get('[data-testid="import-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="import-unchanged"]').text()).toBe("该回执已导入过，没有新的变化。");
    expect(wrapper.get('[data-testid="import-summary"]').text()).toContain("省平台确认 0 条");
  });

  it("shows each failure in Chinese next to its own action", async () => {
    signInAs(["approve"]);
    const state = transferState(1, KEY);
    setBackend(fakeBackend(transferBackend(state)));
    const wrapper = mount(TransferView);
    await flushPromises();

    await wrapper.get('[data-testid="export-path"]').setValue("/nowhere");
    await wrapper.get('[data-testid="export-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="export-error"]').text()).toBe("找不到文件夹“/nowhere”，请检查路径，或U盘是否已插好。");
    expect(wrapper.find('[data-testid="import-error"]').exists()).toBe(false);
    expect(state.exports).toEqual([]);

    await wrapper.get('[data-testid="import-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="import-error"]').text()).toBe("请填写文件路径。");

    state.files.set("/media/clerk/STICK/mine.pdb", { kind: "export", records: 1 });
    await wrapper.get('[data-testid="import-path"]').setValue("/media/clerk/STICK/mine.pdb");
    await wrapper.get('[data-testid="import-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="import-error"]').text()).toBe("这是本机导出的文件，不是省平台的回执。");
    expect(wrapper.get('[data-testid="export-error"]').text()).toContain("/nowhere");
  });
});
