import { flushPromises, mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";
import { IpcError, setBackend, type BackupFileInfo, type SessionInfo } from "../backend";
import { fakeBackend } from "../backend/testing";
import RestorePanel from "./RestorePanel.vue";

const last: BackupFileInfo = {
  path: "/media/clerk/KINGSTON/permit-desk-backup-33018201-x-20261204-170500.backup",
  name: "permit-desk-backup-33018201-x-20261204-170500.backup",
  place: "KINGSTON",
  office_id: "33018201-x",
  created_at: "2026-12-04 17:05",
  created_by: "admin",
  bytes: 3 * 1024 * 1024,
  last: true,
  restorable_by: ["admin", "zhou"],
};
const older: BackupFileInfo = { ...last, path: "/media/clerk/KINGSTON/older.backup", name: "older.backup", created_at: "2026-11-30 17:00", last: false };
const admin: SessionInfo = { username: "admin", display_name: "管理员", roles: ["admin"], password_from_admin: false };

describe("RestorePanel", () => {
  it("offers the backups, the last one first and chosen, and restores after the confirmation", async () => {
    const restored: string[] = [];
    setBackend(
      fakeBackend({
        backupFiles: async () => [last, older],
        restoreOffice: async (path, username, password) => {
          restored.push(`${path}|${username}|${password}`);
          return { session: admin, revoked_again: [], rekey: null };
        },
      }),
    );
    const wrapper = mount(RestorePanel, { props: { username: " admin ", password: "admin-pass-1" } });
    await flushPromises();
    const choices = wrapper.findAll('[data-testid="restore-file"]');
    expect(choices).toHaveLength(2);
    expect((choices[0].element as HTMLInputElement).checked).toBe(true);
    expect(wrapper.text()).toContain("2026-12-04 17:05 由 admin 备份（办理点 33018201-x，KINGSTON：");
    expect(wrapper.text()).toContain("3.0 MB");
    expect(wrapper.text()).toContain("本机最近一次备份");
    // Who can restore each (its key is sealed to them).
    expect(wrapper.findAll('[data-testid="restore-file-admins"]').map((said) => said.text())).toEqual([
      "可由 admin、zhou 恢复",
      "可由 admin、zhou 恢复",
    ]);

    await wrapper.get('[data-testid="restore-start"]').trigger("click");
    expect(wrapper.get('[data-testid="restore-confirm"]').text()).toContain("将用 2026-12-04 17:05 由 admin 做的备份替换");
    expect(restored).toEqual([]);
    await wrapper.get('[data-testid="restore-confirm-yes"]').trigger("click");
    await flushPromises();
    expect(restored).toEqual([`${last.path}|admin|admin-pass-1`]);
    expect(wrapper.emitted("restored")?.[0]).toEqual([admin]);
  });

  it("names the clerks the restore revoked again before it goes on", async () => {
    setBackend(
      fakeBackend({
        backupFiles: async () => [last],
        restoreOffice: async () => ({
          session: admin,
          revoked_again: ["li", "wang"],
          rekey: { generation: 3, needs_reset: [], server_unlock_removed: false, problem: null },
        }),
      }),
    );
    const wrapper = mount(RestorePanel, { props: { username: "admin", password: "admin-pass-1" }, attachTo: document.body });
    await flushPromises();
    await wrapper.get('[data-testid="restore-start"]').trigger("click");
    await wrapper.get('[data-testid="restore-confirm-yes"]').trigger("click");
    await flushPromises();
    const said = wrapper.get('[data-testid="restore-revoked-again"]');
    expect(said.text()).toContain("li、wang");
    expect(said.text()).toContain("再次停用");
    expect(wrapper.get('[data-testid="restore-rekey"]').text()).toBe("数据库已换用新密钥（本办理点第 3 次更换）。");
    expect(wrapper.emitted("restored")).toBeUndefined();
    expect(document.activeElement).toBe(wrapper.get('[data-testid="restore-revoked-again-ok"]').element);
    await wrapper.get('[data-testid="restore-revoked-again-ok"]').trigger("click");
    expect(wrapper.emitted("restored")?.[0]).toEqual([admin]);
    expect(wrapper.find('[data-testid="restore-revoked-again"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it("waits for the administrator's name and password, says when there is no backup, and shows a refusal", async () => {
    let files: BackupFileInfo[] = [];
    setBackend(
      fakeBackend({
        backupFiles: async () => files,
        restoreOffice: async () => {
          throw new IpcError({ code: "ROLE_MISSING", message: "需要管理员岗位。", fields: [] });
        },
      }),
    );
    const wrapper = mount(RestorePanel, { props: { username: "a", password: "" } });
    await flushPromises();
    expect(wrapper.find('[data-testid="restore-none"]').exists()).toBe(true);
    files = [last];
    await wrapper.get('[data-testid="restore-look"]').trigger("click");
    await flushPromises();
    expect(wrapper.findAll('[data-testid="restore-file"]')).toHaveLength(1);
    expect(wrapper.get('[data-testid="restore-start"]').attributes("disabled")).toBeDefined();
    await wrapper.setProps({ password: "clerk-pass-1" });
    await wrapper.get('[data-testid="restore-start"]').trigger("click");
    await wrapper.get('[data-testid="restore-confirm-yes"]').trigger("click");
    await flushPromises();
    expect(wrapper.get('[data-testid="restore-error"]').text()).toBe("需要管理员岗位。");
    expect(wrapper.emitted("restored")).toBeUndefined();
  });
});
