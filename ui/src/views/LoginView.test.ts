import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import LoginView from "./LoginView.vue";
import { setBackend, type SessionInfo } from "../backend";
import { fakeBackend, signInAs } from "../backend/testing";
import { office, session, signedOut } from "../stores/session";

describe("LoginView", () => {
  afterEach(() => {
    vi.useRealTimers();
    office.status = null;
  });

  it("says why a log-in takes minutes (the first after a new version upgrades the database), and only then", async () => {
    vi.useFakeTimers();
    signInAs(["accept"], "wang");
    signedOut(null);
    let finish: (info: SessionInfo) => void = () => {};
    const asked: string[] = [];
    setBackend(
      fakeBackend({
        logIn: (username) => {
          asked.push(username);
          return new Promise<SessionInfo>((resolve) => (finish = resolve));
        },
      }),
    );
    const wrapper = mount(LoginView);
    await wrapper.get('[data-testid="login-username"]').setValue("wang");
    await wrapper.get('[data-testid="login-password"]').setValue("a-password");
    await wrapper.get("form").trigger("submit");
    expect(asked).toEqual(["wang"]);
    expect(wrapper.get('[data-testid="login-submit"]').text()).toBe("正在验证…");
    await vi.advanceTimersByTimeAsync(3000);
    expect(wrapper.find('[data-testid="login-slow"]').exists(), "a password check's few seconds say nothing more").toBe(false);
    await vi.advanceTimersByTimeAsync(1500);
    expect(wrapper.get('[data-testid="login-slow"]').text()).toContain("正在升级数据库");
    expect(wrapper.get('[data-testid="login-slow"]').text()).toContain("请勿关闭程序");
    finish({ username: "wang", display_name: "王受理", roles: ["accept"], password_from_admin: false });
    await flushPromises();
    expect(wrapper.find('[data-testid="login-slow"]').exists(), "gone once the office is open").toBe(false);
    expect(session.value?.username).toBe("wang");
  });
});
