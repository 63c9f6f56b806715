import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import JoinOfficeForm from "./JoinOfficeForm.vue";
import { IpcError, setBackend } from "../backend";
import { fakeBackend } from "../backend/testing";

const FINGERPRINT = "AB:CD:EF:01";

afterEach(() => setBackend(fakeBackend({})));

describe("JoinOfficeForm", () => {
  it("sends the code only after the clerk compared the fingerprint of the server found", async () => {
    const joinOfficeServer = vi.fn(async () => ({
      server_url: "https://192.168.1.10:8443",
      desk_name: "二号窗口",
      office_id: "330182-jiande-01",
      ca_fingerprint: FINGERPRINT,
    }));
    const probeOfficeServer = vi.fn(async () => ({ server_url: "https://192.168.1.10:8443", ca_fingerprint: FINGERPRINT }));
    setBackend(fakeBackend({ probeOfficeServer, joinOfficeServer }));
    const wrapper = mount(JoinOfficeForm);
    await wrapper.get('[data-testid="join-address"]').setValue(" 192.168.1.10 ");
    await wrapper.get('[data-testid="join-probe"]').trigger("submit");
    await flushPromises();
    expect(probeOfficeServer).toHaveBeenCalledWith("192.168.1.10");
    expect(wrapper.get('[data-testid="join-fingerprint"]').text()).toBe(FINGERPRINT);
    expect(wrapper.get('[data-testid="join-server"]').text()).toBe("https://192.168.1.10:8443");

    await wrapper.get('[data-testid="join-code-input"]').setValue("1234 5678");
    await wrapper.get('[data-testid="join-desk-name"]').setValue("二号窗口");
    await wrapper.get('[data-testid="join-submit"]').trigger("submit");
    await flushPromises();
    expect(joinOfficeServer).not.toHaveBeenCalled();
    expect(wrapper.get('[data-testid="join-error"]').text()).toContain("核对证书指纹");

    await wrapper.get('[data-testid="join-fingerprint-same"]').setValue(true);
    await wrapper.get('[data-testid="join-submit"]').trigger("submit");
    await flushPromises();
    expect(joinOfficeServer).toHaveBeenCalledWith("https://192.168.1.10:8443", FINGERPRINT, "1234 5678", "二号窗口");
    expect(wrapper.emitted("joined")).toHaveLength(1);
  });

  it("says why a server cannot be used, and what the server said of a code or a name", async () => {
    let probeFails = true;
    setBackend(
      fakeBackend({
        probeOfficeServer: async () => {
          if (probeFails) {
            throw new IpcError({ code: "SERVER_UNREACHABLE", message: "与办理点服务器的连接中断。", fields: [] });
          }
          return { server_url: "https://office-pc:8443", ca_fingerprint: FINGERPRINT };
        },
        joinOfficeServer: async () => {
          throw new IpcError({
            code: "VALIDATION",
            message: "请检查。",
            fields: [{ field: "desk_name", code: "DESK_NAME_INVALID", message: "请填写本机的名称。" }],
          });
        },
      }),
    );
    const wrapper = mount(JoinOfficeForm);
    await wrapper.get('[data-testid="join-address"]').setValue("office-pc");
    await wrapper.get('[data-testid="join-probe"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="join-error"]').text()).toContain("连接中断");
    expect(wrapper.find('[data-testid="join-fingerprint"]').exists()).toBe(false);

    probeFails = false;
    await wrapper.get('[data-testid="join-probe"]').trigger("submit");
    await flushPromises();
    await wrapper.get('[data-testid="join-fingerprint-same"]').setValue(true);
    await wrapper.get('[data-testid="join-code-input"]').setValue("12345678");
    await wrapper.get('[data-testid="join-submit"]').trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="join-error-desk-name"]').text()).toBe("请填写本机的名称。");
    expect(wrapper.emitted("joined")).toBeUndefined();

    // 返回 goes back to the address, and a new server must be compared again.
    await wrapper.get('[data-testid="join-back"]').trigger("click");
    expect(wrapper.find('[data-testid="join-address"]').exists()).toBe(true);
  });
});
