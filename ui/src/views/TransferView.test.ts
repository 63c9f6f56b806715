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

  it("exports the queue to the stick picked from the list, and imports the answer picked from the files found", async () => {
    signInAs(["approve"]);
    const state = transferState(3, KEY);
    setBackend(fakeBackend(transferBackend(state)));
    const wrapper = mount(TransferView);
    await flushPromises();
    expect(wrapper.get('[data-testid="transfer-sendable"]').text()).toBe("可导出的待发送记录：3 条");
    // Nothing to type: the stick is listed and chosen, the home folder offered after it.
    expect(wrapper.find("input[type=text], input:not([type])").exists()).toBe(false);
    expect(wrapper.find('[data-testid="export-path"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="import-path"]').exists()).toBe(false);
    const stick = wrapper.get('[data-testid="export-place-STICK"] input').element as HTMLInputElement;
    expect(stick.checked).toBe(true);
    expect(wrapper.get('[data-testid="export-place-STICK"]').text()).toContain("可用 8.0 GB");
    expect(wrapper.get('[data-testid="import-files-none"]').text()).toContain("没有找到回执文件");
    expect(wrapper.get('[data-testid="import-submit"]').attributes("disabled")).toBeUndefined();
    await wrapper.get('[data-testid="import-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="import-error"]').text()).toBe("请先选择一个省平台回执文件。");

    await wrapper.get('[data-testid="export-form"]').trigger("submit");
    await flushPromises();
    expect(state.exports).toEqual([3]);
    const summary = wrapper.get('[data-testid="export-summary"]').text();
    expect(summary).toContain("/media/clerk/STICK/permit-desk-export-20250310-091500.pdb");
    expect(summary).toContain("3 条记录、2 张扫描页");
    expect(wrapper.get('[data-testid="export-stay-queued"]').text()).toContain("仍在待上传队列中");
    // The export is listed, but cannot be chosen for import.
    const exportedFile = wrapper.get('[data-testid="import-file-permit-desk-export-20250310-091500.pdb"]');
    expect(exportedFile.text()).toContain("待上报文件（交省平台，不在本机导入）");
    expect(exportedFile.get("input").attributes("disabled")).toBeDefined();

    // The platform answers on its side; 刷新 lists it, chosen as the one answer for this PC.
    state.files.set("/media/clerk/STICK/answer.pdb", { kind: "answer", records: 3 });
    await wrapper.get('[data-testid="import-files-refresh"]').trigger("click");
    await flushPromises();
    const answer = wrapper.get('[data-testid="import-file-answer.pdb"]');
    expect(answer.text()).toContain("STICK · 2025-03-10 09:15 · 4 KB · 省平台回执（本机）");
    expect((answer.get("input").element as HTMLInputElement).checked).toBe(true);
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

  it("says when an export carries the re-key's device key change and what the platform's answer did with it", async () => {
    signInAs(["admin"]);
    const state = transferState(1, KEY);
    state.keyChange = { refused: null };
    setBackend(fakeBackend(transferBackend(state)));
    const wrapper = mount(TransferView);
    await flushPromises();
    await wrapper.get('[data-testid="export-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="export-key-change"]').text()).toBe(
      "本文件还带有管理员更换本机设备密钥的变更单（重新加密后生成），导入省平台回执后生效。",
    );
    state.files.set("/media/clerk/STICK/answer.pdb", { kind: "answer", records: 1 });
    await wrapper.get('[data-testid="import-files-refresh"]').trigger("click");
    await flushPromises();
    await wrapper.get('[data-testid="import-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="import-key-changed"]').text()).toBe("省平台已接受更换本机设备密钥，今后本机用新密钥签名。");
    expect(wrapper.find('[data-testid="import-key-refused"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="import-key-waiting"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="device-key-orders-waiting"]').exists()).toBe(false);

    // The next export carries no order; a refusal, another time, is shown with its reason.
    await wrapper.get('[data-testid="export-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.find('[data-testid="export-key-change"]').exists()).toBe(false);
    state.keyChange = { refused: "签署设备密钥变更单的管理员密钥已注销。" };
    state.files.set("/media/clerk/STICK/answer-2.pdb", { kind: "answer", records: 0 });
    await wrapper.get('[data-testid="import-files-refresh"]').trigger("click");
    await flushPromises();
    await wrapper.get('[data-testid="import-file-answer-2.pdb"] input').setValue(true);
    await wrapper.get('[data-testid="import-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="import-key-refused"]').text()).toBe(
      "省平台没有接受更换本机设备密钥，本机仍用原密钥，请联系管理员。原因：签署设备密钥变更单的管理员密钥已注销。",
    );
  });

  it("says when a later re-key's order still waits after the answer took the first", async () => {
    signInAs(["admin"]);
    const state = transferState(1, KEY);
    state.keyChange = { refused: null, waiting: 1 };
    setBackend(fakeBackend(transferBackend(state)));
    const wrapper = mount(TransferView);
    await flushPromises();
    expect(wrapper.get('[data-testid="device-key-orders-waiting"]').text()).toBe(
      "管理员已下达更换本机设备密钥的变更单 2 张，尚待省平台确认；确认前本机仍用上面的公钥签名。",
    );
    await wrapper.get('[data-testid="export-form"]').trigger("submit");
    await flushPromises();
    state.files.set("/media/clerk/STICK/answer.pdb", { kind: "answer", records: 1 });
    await wrapper.get('[data-testid="import-files-refresh"]').trigger("click");
    await flushPromises();
    await wrapper.get('[data-testid="import-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.find('[data-testid="import-key-changed"]').exists()).toBe(true);
    expect(wrapper.get('[data-testid="import-key-waiting"]').text()).toBe(
      "管理员之后又更换过设备密钥：还有 1 张变更单待省平台确认，随下次导出依次发送。",
    );
    expect(wrapper.get('[data-testid="device-key-orders-waiting"]').text()).toContain("变更单 1 张");
    // The next export carries that order.
    await wrapper.get('[data-testid="export-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.find('[data-testid="export-key-change"]').exists()).toBe(true);
  });

  it("says so next to each action when the stick is pulled after it was picked", async () => {
    signInAs(["approve"]);
    const state = transferState(1, KEY);
    state.files.set("/media/clerk/STICK/answer.pdb", { kind: "answer", records: 1 });
    setBackend(fakeBackend(transferBackend(state)));
    const wrapper = mount(TransferView);
    await flushPromises();
    expect((wrapper.get('[data-testid="import-file-answer.pdb"] input').element as HTMLInputElement).checked).toBe(true);

    state.stickIn = false;
    await wrapper.get('[data-testid="export-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="export-error"]').text()).toBe("找不到文件夹“/media/clerk/STICK”，请检查U盘是否已插好。");
    expect(wrapper.find('[data-testid="import-error"]').exists()).toBe(false);
    expect(state.exports).toEqual([]);

    await wrapper.get('[data-testid="import-form"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="import-error"]').text()).toContain("找不到文件“/media/clerk/STICK/answer.pdb”");
    // The list is read again after the failure: the pulled stick's file is gone from it.
    expect(wrapper.find('[data-testid="import-file-answer.pdb"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="import-files-none"]').exists()).toBe(true);
    expect(wrapper.get('[data-testid="export-error"]').text()).toContain("/media/clerk/STICK");
  });
});
