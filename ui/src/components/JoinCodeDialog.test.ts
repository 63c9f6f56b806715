import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import JoinCodeDialog from "./JoinCodeDialog.vue";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("JoinCodeDialog", () => {
  it("shows the server's one-time code as it is read aloud, with the fingerprint to compare, and gives a new one", async () => {
    const answers = [
      json(200, { code: "12345678", minutes: 10, caFingerprint: "AB:CD:EF" }),
      json(200, { code: "87654321", minutes: 10, caFingerprint: "AB:CD:EF" }),
    ];
    const urls: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => {
      urls.push(url);
      return answers.shift();
    });
    const wrapper = mount(JoinCodeDialog);
    await flushPromises();
    expect(wrapper.get('[data-testid="join-code-digits"]').text()).toBe("1234 5678");
    expect(wrapper.get('[data-testid="join-code-fingerprint"]').text()).toBe("AB:CD:EF");
    expect(wrapper.text()).toContain("10 分钟内有效");
    await wrapper.get('[data-testid="join-code-again"]').trigger("click");
    await flushPromises();
    expect(wrapper.get('[data-testid="join-code-digits"]').text()).toBe("8765 4321");
    expect(urls).toEqual(["/api/create_join_code", "/api/create_join_code"]);
    await wrapper.get('[data-testid="join-code-close"]').trigger("click");
    expect(wrapper.emitted("close")).toHaveLength(1);
  });

  it("says why when the server refuses (not an administrator)", async () => {
    vi.stubGlobal("fetch", async () =>
      json(403, { code: "ROLE_MISSING", message: "您的账户没有办理此项业务的权限。", fields: [] }),
    );
    const wrapper = mount(JoinCodeDialog);
    await flushPromises();
    expect(wrapper.get('[data-testid="join-code-error"]').text()).toContain("没有办理此项业务的权限");
    expect(wrapper.find('[data-testid="join-code-digits"]').exists()).toBe(false);
  });
});
