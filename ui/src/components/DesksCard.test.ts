import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import DesksCard from "./DesksCard.vue";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

afterEach(() => vi.unstubAllGlobals());

describe("DesksCard", () => {
  it("lists the PCs that joined and removes one only after a confirm", async () => {
    let revoked: string | null = null;
    const requests: string[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      requests.push(url);
      if (url === "/api/revoke_desk") {
        revoked = "2026-12-06 14:00";
        expect(JSON.parse(init.body as string)).toEqual({ fingerprint: "AB:CD" });
        return json(200, {});
      }
      return json(200, [
        { fingerprint: "AB:CD", name: "二号窗口", joinedAt: "2026-12-06 13:30", joinedBy: "admin", revokedAt: revoked },
      ]);
    });
    const wrapper = mount(DesksCard);
    await flushPromises();
    expect(wrapper.get('[data-testid="desk-line"]').text()).toContain("二号窗口");
    expect(wrapper.get('[data-testid="desk-line"]').text()).toContain("可使用");
    await wrapper.get('[data-testid="desk-remove-二号窗口"]').trigger("click");
    expect(wrapper.get('[data-testid="confirm-desk-remove"]').text()).toContain("二号窗口");
    await wrapper.get('[data-testid="confirm-desk-remove-no"]').trigger("click");
    expect(requests).not.toContain("/api/revoke_desk");
    await wrapper.get('[data-testid="desk-remove-二号窗口"]').trigger("click");
    await wrapper.get('[data-testid="confirm-desk-remove-yes"]').trigger("click");
    await flushPromises();
    expect(requests).toContain("/api/revoke_desk");
    expect(wrapper.get('[data-testid="desks-notice"]').text()).toContain("已将「二号窗口」移出办理点");
    expect(wrapper.get('[data-testid="desk-line"]').text()).toContain("已于 2026-12-06 14:00 移出");
    expect(wrapper.find('[data-testid="desk-remove-二号窗口"]').exists()).toBe(false);
  });
});
