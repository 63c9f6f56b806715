import { afterEach, describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import ReferenceDataCard from "./ReferenceDataCard.vue";
import { IpcError, setBackend, type ReferenceStatusInfo } from "../backend";
import { fakeBackend, signInAs } from "../backend/testing";
import { office } from "../stores/session";

const KEY = { hex: "3b6a27bcce32".padEnd(64, "0"), fingerprint: "3b6a 27bc ce32 0000" };

/** The shell's checks as the card meets them: a key must be kept before a file loads, and
 *  a file is taken only if it "verifies" (here: says so) and is newer. */
function backendWith(state: { status: ReferenceStatusInfo; texts: string[] }) {
  return fakeBackend({
    referenceStatus: async () => state.status,
    setReferenceKey: async (key) => {
      if (!/^[0-9a-f]{64}$/.test(key)) {
        const message = "公钥应为64位十六进制数字。";
        throw new IpcError({ code: "VALIDATION", message, fields: [{ field: "platform_key", code: "PLATFORM_KEY_INVALID", message }] });
      }
      state.status = { ...state.status, key: { hex: key, fingerprint: KEY.fingerprint } };
      return state.status;
    },
    loadReferenceUpdate: async (text) => {
      state.texts.push(text);
      if (text.includes("profiles-ok")) {
        const profiles = ["330182 建德市 建政办函〔2026〕99号", "330782 义乌市 义政办发〔2026〕1号"];
        state.status = { ...state.status, profiles: { serial: 2026120201, issuer: "建德市公安局", issued_on: "2026-12-02", years: [], profiles } };
        return state.status;
      }
      if (!text.includes("signed-ok")) {
        throw new IpcError({ code: "REFERENCE_UPDATE_SIGNATURE_INVALID", message: "更新文件的签名与本办理点保存的签发公钥不符（文件被改动，或不是本县签发），未作任何改动。", fields: [] });
      }
      state.status = {
        ...state.status,
        holidays: { serial: 2026120101, issuer: "建德市公安局", issued_on: "2026-12-01", years: [2027], profiles: [] },
        holiday_years: [2023, 2024, 2025, 2026, 2027],
      };
      return state.status;
    },
  });
}

async function choose(wrapper: ReturnType<typeof mount>, text: string): Promise<void> {
  const input = wrapper.get('[data-testid="reference-file"]');
  const file = new File([text], "holidays-2027.json", { type: "application/json" });
  Object.defineProperty(input.element, "files", { value: [file], configurable: true });
  await input.trigger("change");
  await flushPromises();
}

afterEach(() => {
  office.status = null;
});

describe("ReferenceDataCard", () => {
  it("asks for the key first, then loads a chosen file and shows the years it adds", async () => {
    signInAs(["admin"]);
    const state = { status: { key: null, holidays: null, profiles: null, holiday_years: [2023, 2024, 2025, 2026] } as ReferenceStatusInfo, texts: [] as string[] };
    setBackend(backendWith(state));
    const wrapper = mount(ReferenceDataCard);
    await flushPromises();
    expect(wrapper.get('[data-testid="reference-years"]').text()).toBe("2023–2026");
    expect(wrapper.find('[data-testid="reference-key-missing"]').exists()).toBe(true);
    expect(wrapper.get('[data-testid="reference-file"]').attributes("disabled")).toBeDefined();

    await wrapper.get('[data-testid="reference-key"]').setValue("not a key");
    await wrapper.get('[data-testid="reference-key-save"]').trigger("click");
    await flushPromises();
    expect(wrapper.get('[data-testid="reference-error"]').text()).toContain("64位");

    await wrapper.get('[data-testid="reference-key"]').setValue(KEY.hex);
    await wrapper.get('[data-testid="reference-key-save"]').trigger("click");
    await flushPromises();
    expect(wrapper.get('[data-testid="reference-key-fingerprint"]').text()).toBe(KEY.fingerprint);
    expect(wrapper.get('[data-testid="reference-notice"]').text()).toContain("电话核对");

    await choose(wrapper, '{"format": "altered"}');
    expect(wrapper.get('[data-testid="reference-error"]').text()).toContain("签名");
    expect(wrapper.get('[data-testid="reference-years"]').text()).toBe("2023–2026");

    await choose(wrapper, '{"format": "signed-ok"}');
    expect(state.texts).toEqual(['{"format": "altered"}', '{"format": "signed-ok"}']);
    expect(wrapper.get('[data-testid="reference-years"]').text()).toBe("2023–2027");
    expect(wrapper.get('[data-testid="reference-notice"]').text()).toBe("已载入节假日表更新（2027，编号 2026120101，建德市公安局）。");
    expect(wrapper.get('[data-testid="reference-loaded"]').text()).toContain("2026-12-01");
    expect(wrapper.find('[data-testid="reference-error"]').exists()).toBe(false);
  });

  it("shows a year missing between as a gap, not as a range", async () => {
    signInAs(["admin"]);
    const status: ReferenceStatusInfo = { key: KEY, holidays: null, profiles: null, holiday_years: [2023, 2024, 2025, 2026, 2028] };
    setBackend(backendWith({ status, texts: [] }));
    const wrapper = mount(ReferenceDataCard);
    await flushPromises();
    expect(wrapper.get('[data-testid="reference-years"]').text()).toBe("2023–2026、2028");
  });

  it("loads a county profiles update, lists its counties and tells the page", async () => {
    signInAs(["admin"]);
    const state = { status: { key: KEY, holidays: null, profiles: null, holiday_years: [2023, 2024, 2025, 2026] } as ReferenceStatusInfo, texts: [] as string[] };
    setBackend(backendWith(state));
    const wrapper = mount(ReferenceDataCard);
    await flushPromises();
    expect(wrapper.find('[data-testid="reference-profiles"]').exists()).toBe(false);
    await choose(wrapper, '{"profiles-ok": true}');
    expect(wrapper.get('[data-testid="reference-notice"]').text()).toBe(
      "已载入政策文件更新（2 个县（市、区），编号 2026120201，建德市公安局）。此后提交的申请按更新后的规则审查。",
    );
    expect(wrapper.findAll('[data-testid="reference-profiles"] li').map((li) => li.text())).toEqual([
      "330182 建德市 建政办函〔2026〕99号",
      "330782 义乌市 义政办发〔2026〕1号",
    ]);
    expect(wrapper.emitted("loaded")).toHaveLength(1);
  });
});
