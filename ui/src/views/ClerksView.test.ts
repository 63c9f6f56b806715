import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushPromises, mount, type VueWrapper } from "@vue/test-utils";
import ClerksView from "./ClerksView.vue";
import { IpcError, setBackend, type ClerkInfo, type ErrorCode, type RoleKey } from "../backend";
import { fakeBackend } from "../backend/testing";
import { t } from "../locales";

// An in-memory office with the rules the store enforces that the view must cope with:
// the last active administrator keeps 管理员, and a new password has at least 8 characters.
let clerks: ClerkInfo[];
let calls: unknown[][];

function clerk(username: string, display_name: string, roles: RoleKey[], active = true): ClerkInfo {
  return { username, display_name, roles, active, created_at: "2025-03-01 09:00", signing_key: null, signing_key_standing: null };
}

function refusal(code: ErrorCode, message: string): IpcError {
  return new IpcError({ code, message, fields: [] });
}

beforeEach(() => {
  clerks = [clerk("admin", "王管理", ["admin"]), clerk("zhang", "张受理", ["accept"]), clerk("li", "李审核", ["review"], false)];
  calls = [];
  setBackend(
    fakeBackend({
      listClerks: async () => clerks.map((c) => ({ ...c, roles: [...c.roles] })),
      rekeyOwed: async () => false,
      setClerkRoles: async (username, roles) => {
        calls.push(["setClerkRoles", username, roles]);
        const admins = clerks.filter((c) => c.active && c.roles.includes("admin") && c.username !== username);
        if (!roles.includes("admin") && admins.length === 0) {
          throw refusal("LAST_ADMIN", "不能取消最后一位管理员的管理员岗位，请先为其他人员设置管理员岗位。");
        }
        clerks = clerks.map((c) => (c.username === username ? { ...c, roles } : c));
      },
      reenableClerk: async (username, password) => {
        calls.push(["reenableClerk", username, password]);
        if (password.length < 8) throw refusal("VALIDATION", "密码至少8个字符。");
        clerks = clerks.map((c) => (c.username === username ? { ...c, active: true } : c));
      },
    }),
  );
});

afterEach(() => {
  document.body.innerHTML = "";
});

async function mountView(): Promise<VueWrapper> {
  const wrapper = mount(ClerksView, { attachTo: document.body });
  await flushPromises();
  return wrapper;
}

function checked(wrapper: VueWrapper, testid: string): boolean {
  return (wrapper.get(`[data-testid="${testid}"]`).element as HTMLInputElement).checked;
}

describe("ClerksView signing keys", () => {
  it("shows each clerk's key fingerprint and how far the office vouches for it", async () => {
    clerks[0] = { ...clerks[0], signing_key: "1a2b 3c4d 5e6f 7a8b", signing_key_standing: "root" };
    clerks[1] = { ...clerks[1], signing_key: "9c0d 1e2f 3a4b 5c6d", signing_key_standing: "waiting" };
    const wrapper = await mountView();
    const admin = wrapper.get('[data-testid="clerk-key-admin"]');
    expect(admin.text()).toContain("1a2b 3c4d 5e6f 7a8b");
    expect(admin.text()).toContain(t("clerks.keyStanding.root"));
    const zhang = wrapper.get('[data-testid="clerk-key-zhang"]');
    expect(zhang.text()).toContain(t("clerks.keyStanding.waiting"));
    expect(zhang.find(".badge--offline").exists()).toBe(true);
    // A revoked clerk's key is not offered for comparison.
    expect(wrapper.get('[data-testid="clerk-key-li"]').text()).toBe("—");
  });

  it("says a clerk without a key yet gets one at their next log-in", async () => {
    const wrapper = await mountView();
    expect(wrapper.get('[data-testid="clerk-key-zhang"]').text()).toBe(t("clerks.noKeyYet"));
  });
});

describe("ClerksView roles", () => {
  it("changes an active clerk's roles in an inline editor", async () => {
    const wrapper = await mountView();
    expect(wrapper.get('[data-testid="clerk-roles-zhang"]').text()).toBe("修改岗位");
    expect(wrapper.find('[data-testid="clerk-roles-li"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="clerk-role-zhang-accept"]').exists()).toBe(false);

    await wrapper.get('[data-testid="clerk-roles-zhang"]').trigger("click");
    expect(["accept", "review", "approve", "admin"].map((role) => checked(wrapper, `clerk-role-zhang-${role}`))).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(document.activeElement).toBe(wrapper.get('[data-testid="clerk-role-zhang-accept"]').element);
    await wrapper.get('[data-testid="clerk-role-zhang-approve"]').setValue(true);
    await wrapper.get('[data-testid="clerk-role-zhang-review"]').setValue(true);
    await wrapper.get('[data-testid="clerk-roles-save-zhang"]').trigger("submit");
    await flushPromises();

    // In the checkboxes' order, whatever the order of the clicks.
    expect(calls).toEqual([["setClerkRoles", "zhang", ["accept", "review", "approve"]]]);
    expect(wrapper.find('[data-testid="clerk-role-zhang-accept"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="clerk-zhang"]').text()).toContain("受理、审核、审批");
    expect(wrapper.get('[data-testid="clerk-notice"]').text()).toBe(`${t("clerks.rolesSaved")}：张受理`);
  });

  it("shows the backend's refusal to take 管理员 from the last administrator and keeps the editor open", async () => {
    const wrapper = await mountView();
    await wrapper.get('[data-testid="clerk-roles-admin"]').trigger("click");
    expect(checked(wrapper, "clerk-role-admin-admin")).toBe(true);
    await wrapper.get('[data-testid="clerk-role-admin-admin"]').setValue(false);
    await wrapper.get('[data-testid="clerk-role-admin-accept"]').setValue(true);
    await wrapper.get('[data-testid="clerk-roles-save-admin"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="clerk-roles-error"]').text()).toBe(
      "不能取消最后一位管理员的管理员岗位，请先为其他人员设置管理员岗位。",
    );
    expect(wrapper.get('[data-testid="clerk-admin"]').text()).toContain("管理员");
    expect(wrapper.find('[data-testid="clerk-notice"]').exists()).toBe(false);

    // Escape leaves the editor without saving.
    await wrapper.get('[data-testid="clerk-role-admin-accept"]').trigger("keydown", { key: "Escape" });
    expect(wrapper.find('[data-testid="clerk-roles-editor-admin"]').exists()).toBe(false);
    expect(calls).toHaveLength(1);
  });
});

describe("ClerksView re-enabling", () => {
  it("re-enables a revoked clerk with a new password entered twice, after the confirm", async () => {
    const wrapper = await mountView();
    expect(wrapper.find('[data-testid="clerk-reenable-zhang"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="clerk-li"]').text()).toContain(t("clerks.revoked"));
    await wrapper.get('[data-testid="clerk-reenable-li"]').trigger("click");
    const dialog = wrapper.get('[data-testid="confirm-reenable"]');
    expect(dialog.text()).toContain("重新启用后，该人员可用新密码登录，原有岗位和记录不变。");
    expect(dialog.text()).toContain("李审核");
    await flushPromises();
    expect(document.activeElement).toBe(wrapper.get('[data-testid="clerk-reenable-password"]').element);

    // The two entries differ: nothing is sent.
    await wrapper.get('[data-testid="clerk-reenable-password"]').setValue("new-password-1");
    await wrapper.get('[data-testid="clerk-reenable-password-again"]').setValue("new-password-2");
    await wrapper.get('[data-testid="clerk-reenable-yes"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="clerk-reenable-error"]').text()).toBe(t("clerks.passwordMismatch"));

    // Too short: nothing is sent either.
    await wrapper.get('[data-testid="clerk-reenable-password"]').setValue("short");
    await wrapper.get('[data-testid="clerk-reenable-password-again"]').setValue("short");
    await wrapper.get('[data-testid="clerk-reenable-yes"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="clerk-reenable-error"]').text()).toBe(t("clerks.passwordTooShort"));
    expect(calls).toEqual([]);

    await wrapper.get('[data-testid="clerk-reenable-password"]').setValue("new-password-1");
    await wrapper.get('[data-testid="clerk-reenable-password-again"]').setValue("new-password-1");
    await wrapper.get('[data-testid="clerk-reenable-yes"]').trigger("submit");
    await flushPromises();
    expect(calls).toEqual([["reenableClerk", "li", "new-password-1"]]);
    expect(wrapper.find('[data-testid="confirm-reenable"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="clerk-notice"]').text()).toBe(`${t("clerks.reenabled")}：李审核`);
    // Active again, with the roles it had: it can be revoked or given other roles.
    expect(wrapper.find('[data-testid="clerk-reenable-li"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="clerk-li"]').text()).toContain("审核");
    expect(wrapper.find('[data-testid="clerk-roles-li"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="clerk-revoke-li"]').exists()).toBe(true);
  });

  it("cancels without re-enabling and shows a refusal from the backend", async () => {
    setBackend(
      fakeBackend({
        listClerks: async () => clerks,
        rekeyOwed: async () => false,
        reenableClerk: async () => {
          throw refusal("ROLE_MISSING", "只有管理员可以重新启用账户。");
        },
      }),
    );
    const wrapper = await mountView();
    await wrapper.get('[data-testid="clerk-reenable-li"]').trigger("click");
    await wrapper.get('[data-testid="clerk-reenable-cancel"]').trigger("click");
    expect(wrapper.find('[data-testid="confirm-reenable"]').exists()).toBe(false);

    await wrapper.get('[data-testid="clerk-reenable-li"]').trigger("click");
    expect((wrapper.get('[data-testid="clerk-reenable-password"]').element as HTMLInputElement).value).toBe("");
    await wrapper.get('[data-testid="clerk-reenable-password"]').setValue("new-password-1");
    await wrapper.get('[data-testid="clerk-reenable-password-again"]').setValue("new-password-1");
    await wrapper.get('[data-testid="clerk-reenable-yes"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="clerk-reenable-error"]').text()).toBe("只有管理员可以重新启用账户。");
    expect(wrapper.find('[data-testid="confirm-reenable"]').exists()).toBe(true);
  });
});

describe("ClerksView revoking re-keys the office", () => {
  it("revokes after the confirm and says the office was re-keyed, naming clerks to re-enable", async () => {
    setBackend(
      fakeBackend({
        listClerks: async () => clerks,
        rekeyOwed: async () => false,
        revokeClerk: async (username) => {
          calls.push(["revokeClerk", username]);
          clerks = clerks.map((c) => (c.username === username ? { ...c, active: false } : c));
          return { generation: 1, needs_reset: ["李审核（li）"], server_unlock_removed: false, problem: null };
        },
      }),
    );
    const wrapper = await mountView();
    await wrapper.get('[data-testid="clerk-revoke-zhang"]').trigger("click");
    expect(wrapper.get('[data-testid="confirm-revoke"]').text()).toContain("换用新密钥");
    await wrapper.get('[data-testid="confirm-revoke-yes"]').trigger("click");
    await flushPromises();
    expect(calls).toEqual([["revokeClerk", "zhang"]]);
    const notice = wrapper.get('[data-testid="clerk-notice"]').text();
    expect(notice).toContain("已停用 张受理（zhang）。数据库已换用新密钥（本办理点第 1 次更换）");
    expect(notice).toContain("李审核（li）");
    expect(wrapper.find('[data-testid="clerk-table-error"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="rekey-owed"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="rekeying"]').exists()).toBe(false);
  });

  it("keeps the revocation when the re-key fails, says why, and offers the re-key until it is done", async () => {
    let owed = false;
    setBackend(
      fakeBackend({
        listClerks: async () => clerks,
        rekeyOwed: async () => owed,
        revokeClerk: async (username) => {
          clerks = clerks.map((c) => (c.username === username ? { ...c, active: false } : c));
          owed = true;
          return { generation: null, needs_reset: [], server_unlock_removed: false, problem: "所在磁盘已满。" };
        },
        rekeyOffice: async () => {
          calls.push(["rekeyOffice"]);
          owed = false;
          return { generation: 2, needs_reset: [], server_unlock_removed: true, problem: null };
        },
      }),
    );
    const wrapper = await mountView();
    await wrapper.get('[data-testid="clerk-revoke-zhang"]').trigger("click");
    await wrapper.get('[data-testid="confirm-revoke-yes"]').trigger("click");
    await flushPromises();
    expect(wrapper.get('[data-testid="clerk-table-error"]').text()).toContain("已停用 张受理（zhang），但数据库未能换用新密钥：所在磁盘已满。");
    expect(wrapper.get('[data-testid="clerk-zhang"]').text()).toContain(t("clerks.revoked"));
    expect(wrapper.get('[data-testid="rekey-owed"]').text()).toContain(t("clerks.rekeyOwed"));

    await wrapper.get('[data-testid="rekey-now"]').trigger("click");
    await flushPromises();
    expect(calls).toEqual([["rekeyOffice"]]);
    expect(wrapper.get('[data-testid="clerk-notice"]').text()).toContain("数据库已换用新密钥（本办理点第 2 次更换）。");
    expect(wrapper.get('[data-testid="clerk-notice"]').text()).toContain("permit-desk-server setup");
    expect(wrapper.find('[data-testid="rekey-owed"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="clerk-table-error"]').exists()).toBe(false);
  });
});
