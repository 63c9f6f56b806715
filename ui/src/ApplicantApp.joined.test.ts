import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import ApplicantApp from "./ApplicantApp.vue";
import { setBackend, type ApplicantScreenInfo } from "./backend";
import { fakeBackend } from "./backend/testing";

// At a joined desk the screen facing the applicant is this PC's own, like its printers:
// its window asks the shell (invoke), which relays the rating to the office server; the
// page's server backend is never asked.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (command: string, args: unknown) => invoke(command, args),
  Channel: class {},
}));

afterEach(() => {
  setBackend(fakeBackend({}));
  invoke.mockReset();
});

const decided: ApplicantScreenInfo = {
  serial: 3,
  kind: "decided",
  lines: [],
  confirm: null,
  confirmed: false,
  heading: "您的申请已受理。",
  items: [],
  rated: null,
};

describe("the screen facing the applicant at a joined desk", () => {
  it("is shown and rated through the shell, not sent to the server by the page", async () => {
    const server = vi.fn(async () => {
      throw new Error("the page's server backend was asked");
    });
    setBackend(fakeBackend({ applicantScreen: server, applicantRates: server }), "joined", {
      server_url: "https://192.168.1.20:8443",
      desk_name: "二号窗口",
      office_id: "330182-jiande-01",
      ca_fingerprint: "AB",
    });
    invoke.mockImplementation(async (command: string) => {
      if (command === "applicant_screen") return decided;
      if (command === "applicant_rates") return { ...decided, serial: 4, rated: "非常满意" };
      throw new Error(`unexpected ${command}`);
    });
    const wrapper = mount(ApplicantApp);
    await flushPromises();
    expect(wrapper.text()).toContain("您的申请已受理。");
    await wrapper.get('[data-testid="rate-very_satisfied"]').trigger("click");
    await wrapper.get('[data-testid="rate-submit"]').trigger("click");
    await flushPromises();
    expect(invoke).toHaveBeenCalledWith("applicant_rates", { level: "very_satisfied", reason: "" });
    expect(wrapper.get('[data-testid="applicant-rated"]').text()).toContain("非常满意");
    expect(server).not.toHaveBeenCalled();
    wrapper.unmount();
  });
});
