import { afterEach, describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import ChangePasswordDialog from "./ChangePasswordDialog.vue";
import { IpcError, setBackend } from "../backend";
import { fakeBackend, signInAs } from "../backend/testing";
import { office, session } from "../stores/session";

async function fill(wrapper: ReturnType<typeof mount>, old: string, next: string, again: string): Promise<void> {
  await wrapper.get('[data-testid="password-old"]').setValue(old);
  await wrapper.get('[data-testid="password-new"]').setValue(next);
  await wrapper.get('[data-testid="password-again"]').setValue(again);
  await wrapper.get("form").trigger("submit");
  await flushPromises();
}

describe("ChangePasswordDialog", () => {
  afterEach(() => {
    office.status = null;
  });

  it("checks the entries, says why the store refused, and updates the session when changed", async () => {
    signInAs(["accept"], "wang");
    const calls: [string, string][] = [];
    setBackend(
      fakeBackend({
        changePassword: async (old, next) => {
          calls.push([old, next]);
          if (old !== "admin-set-1") throw new IpcError({ code: "WRONG_PASSWORD", message: "用户名或密码不正确。", fields: [] });
          return { username: "wang", display_name: "王受理", roles: ["accept"], password_from_admin: false };
        },
      }),
    );
    const wrapper = mount(ChangePasswordDialog);
    await fill(wrapper, "admin-set-1", "short", "short");
    expect(wrapper.get('[data-testid="password-error"]').text()).toBe("新密码至少8个字符。");
    await fill(wrapper, "admin-set-1", "my-own-pass", "my-own-pas");
    expect(wrapper.get('[data-testid="password-error"]').text()).toBe("两次输入的新密码不一致。");
    await fill(wrapper, "admin-set-1", "admin-set-1", "admin-set-1");
    expect(wrapper.get('[data-testid="password-error"]').text()).toBe("新密码不能与原密码相同。");
    expect(calls, "nothing sent while the entries are wrong").toEqual([]);
    await fill(wrapper, "a-typo", "my-own-pass", "my-own-pass");
    expect(wrapper.get('[data-testid="password-error"]').text()).toBe("用户名或密码不正确。");
    expect(session.value?.username, "a wrong old password does not log the clerk out").toBe("wang");
    await fill(wrapper, "admin-set-1", "my-own-pass", "my-own-pass");
    expect(calls.at(-1)).toEqual(["admin-set-1", "my-own-pass"]);
    expect(wrapper.emitted("close")).toEqual([[true]]);
    expect(session.value?.password_from_admin).toBe(false);
  });

  it("forced (a password an administrator set) cannot be cancelled or escaped", async () => {
    signInAs(["accept"], "wang");
    setBackend(fakeBackend({}));
    const wrapper = mount(ChangePasswordDialog, { props: { forced: true } });
    expect(wrapper.find('[data-testid="password-cancel"]').exists(), "no 取消").toBe(false);
    expect(wrapper.get('[data-testid="password-forced"]').text()).toContain("管理员也知道");
    await wrapper.get('[data-testid="change-password"]').trigger("keydown", { key: "Escape" });
    expect(wrapper.emitted("close"), "Esc does not close it").toBeUndefined();
    const free = mount(ChangePasswordDialog);
    await free.get('[data-testid="change-password"]').trigger("keydown", { key: "Escape" });
    expect(free.emitted("close")).toEqual([[false]]);
  });
});
