import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import LeaveOffice from "./LeaveOffice.vue";
import { setBackend } from "../backend";
import { fakeBackend } from "../backend/testing";

// Leaving is the shell's own command (invoke), whatever backend the window uses.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (command: string, args: unknown) => invoke(command, args),
  Channel: class {},
}));

afterEach(() => {
  setBackend(fakeBackend({}));
  invoke.mockReset();
});

describe("LeaveOffice", () => {
  it("shows nothing at the office's own window", () => {
    setBackend(fakeBackend({}), "window");
    expect(mount(LeaveOffice).find('[data-testid="login-joined"]').exists()).toBe(false);
  });

  it("at a joined desk names the server and the desk, and leaves only after a confirm", async () => {
    setBackend(fakeBackend({}), "joined", {
      server_url: "https://192.168.1.20:8443",
      desk_name: "二号窗口",
      office_id: "330182-jiande-01",
      ca_fingerprint: "AB",
    });
    const reload = vi.fn();
    vi.stubGlobal("location", { ...window.location, reload });
    invoke.mockResolvedValue(null);
    const wrapper = mount(LeaveOffice);
    expect(wrapper.text()).toContain("https://192.168.1.20:8443");
    expect(wrapper.text()).toContain("二号窗口");
    await wrapper.get('[data-testid="leave-office"]').trigger("click");
    await wrapper.get('[data-testid="leave-office-cancel"]').trigger("click");
    expect(invoke).not.toHaveBeenCalled();
    await wrapper.get('[data-testid="leave-office"]').trigger("click");
    await wrapper.get('[data-testid="leave-office-yes"]').trigger("click");
    await flushPromises();
    expect(invoke).toHaveBeenCalledWith("leave_office_server", {});
    expect(reload).toHaveBeenCalled();
    vi.unstubAllGlobals();
  });
});
