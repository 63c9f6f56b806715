import { describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import SlipVerifyDialog from "./SlipVerifyDialog.vue";
import { IpcError, setBackend, type VerifiedSlipInfo } from "../backend";
import { fakeBackend } from "../backend/testing";

const slip: VerifiedSlipInfo = {
  case_number: "330182-20261122-0001",
  name: "陈静",
  id_number: "341203********1219",
  permit_number: "330182202611220001",
  issue_date: "2026-11-22",
  valid_until: null,
  office_county_code: "330182",
  key_id: "a1b2c3d4",
  office_public_key: "a1b2c3d4".repeat(8),
};

describe("SlipVerifyDialog", () => {
  it("checks what the scanner typed on Enter and shows what the slip vouches for", async () => {
    const seen: string[] = [];
    setBackend(fakeBackend({ verifySlip: async (payload) => (seen.push(payload), slip) }));
    const wrapper = mount(SlipVerifyDialog);
    const input = wrapper.get('[data-testid="slip-verify-input"]');
    await input.setValue("PDSLIP1|payload");
    await wrapper.get("form").trigger("submit");
    await flushPromises();
    expect(seen.at(-1)).toBe("PDSLIP1|payload");
    const ok = wrapper.get('[data-testid="slip-verify-ok"]').text();
    expect(ok).toContain("签名有效");
    expect(ok).toContain("陈静");
    expect(ok).toContain("按年签注");
    expect((input.element as HTMLInputElement).value).toBe(""); // ready for the next slip
  });

  it("shows the backend's reason for a forged slip, and asks for a scan when empty", async () => {
    setBackend(
      fakeBackend({
        verifySlip: async () => {
          throw new IpcError({ code: "SLIP_SIGNATURE_INVALID", message: "确认单二维码签名无效", fields: [] });
        },
      }),
    );
    const wrapper = mount(SlipVerifyDialog);
    await wrapper.get("form").trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="slip-verify-error"]').text()).toContain("请先扫描");
    await wrapper.get('[data-testid="slip-verify-input"]').setValue("PDSLIP1|forged");
    await wrapper.get("form").trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="slip-verify-error"]').text()).toContain("签名无效");
    expect(wrapper.find('[data-testid="slip-verify-ok"]').exists()).toBe(false);
  });
});
