import { describe, expect, it, beforeEach } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import IdNumberField from "./IdNumberField.vue";
import { IpcError, setBackend, type Backend, type IdNumberInfo } from "../backend";
import { fakeBackend as partialBackend } from "../backend/testing";

const valid: IdNumberInfo = {
  normalized: "11010519491231002X",
  birth_date: "1949-12-31",
  gender: "female",
  gender_label: "女",
  age: 76,
  region_code: "110105",
  region_name: "北京市朝阳区",
  household_province_code: "110000",
  household_county_code: "110105",
};

/** A fake backend that answers like the shell: valid for one number, a typed error otherwise. */
function fakeBackend(calls: string[]): Backend {
  return partialBackend({
    checkIdNumber: async (input) => {
      calls.push(input);
      if (input.toUpperCase() === valid.normalized) return valid;
      if (input.length !== 18) {
        throw new IpcError({
          code: "VALIDATION",
          message: "号码长度有误",
          fields: [{ field: "id_number", code: "ID_NUMBER_LENGTH", message: "公民身份号码应为18位，现有" + input.length + "位。" }],
        });
      }
      const grouped = `${input.slice(0, 6)} ${input.slice(6, 14)} ${input.slice(14)}`;
      throw new IpcError({
        code: "VALIDATION",
        message: "公民身份号码有误",
        fields: [{ field: "id_number", code: "ID_NUMBER_CHECKSUM", message: `公民身份号码有误，请对照证件逐位核对：${grouped}` }],
      });
    },
  });
}

describe("IdNumberField", () => {
  let calls: string[];
  beforeEach(() => {
    calls = [];
    setBackend(fakeBackend(calls));
  });

  it("checks on the 18th character and shows birth date and gender", async () => {
    const wrapper = mount(IdNumberField);
    await wrapper.get('[data-testid="id-number-input"]').setValue("11010519491231002x");
    await flushPromises();
    expect(calls).toEqual(["11010519491231002x"]);
    expect(wrapper.get('[data-testid="id-birth-date"]').text()).toBe("1949-12-31");
    expect(wrapper.get('[data-testid="id-gender"]').text()).toBe("女");
    expect(wrapper.find('[data-testid="id-number-error"]').exists()).toBe(false);
  });

  it("checks the same number again after the field was emptied (a cleared form, a card read again)", async () => {
    const decoded: string[] = [];
    const wrapper = mount(IdNumberField, { props: { onDecoded: (info: IdNumberInfo) => decoded.push(info.normalized) } });
    const input = wrapper.get('[data-testid="id-number-input"]');
    await input.setValue("11010519491231002X");
    await flushPromises();
    await input.setValue("");
    await flushPromises();
    expect(wrapper.find('[data-testid="id-number-result"]').exists()).toBe(false);
    await input.setValue("11010519491231002X");
    await flushPromises();
    expect(calls).toEqual(["11010519491231002X", "11010519491231002X"]);
    expect(decoded, "what the number fills is filled again").toHaveLength(2);
    expect(wrapper.find('[data-testid="id-number-result"]').exists()).toBe(true);
  });

  it("shows the field's Chinese message next to the input on a wrong check digit", async () => {
    const wrapper = mount(IdNumberField);
    await wrapper.get('[data-testid="id-number-input"]').setValue("110105194912310021");
    await flushPromises();
    const error = wrapper.get('[data-testid="id-number-error"]');
    // The message no longer names the expected digit: the clerk compares with the card.
    expect(error.text()).toBe("公民身份号码有误，请对照证件逐位核对：110105 19491231 0021");
    expect(wrapper.get('[data-testid="id-number-input"]').classes()).toContain("is-invalid");
    expect(wrapper.find('[data-testid="id-number-result"]').exists()).toBe(false);
  });

  it("repeats a refused 18-character number in groups of 6-8-4, and only then", async () => {
    const wrapper = mount(IdNumberField);
    const input = wrapper.get('[data-testid="id-number-input"]');
    await input.setValue("11010519491231002x");
    await flushPromises();
    expect(wrapper.find('[data-testid="id-grouped"]').exists()).toBe(false); // valid: nothing to compare

    await input.setValue("110105194912310021");
    await flushPromises();
    const grouped = wrapper.get('[data-testid="id-grouped"]');
    expect(grouped.text()).toBe("110105 19491231 0021");
    expect(grouped.classes()).toContain("mono");

    await input.setValue("1101051949");
    expect(wrapper.find('[data-testid="id-grouped"]').exists()).toBe(false); // edited: stale
    await input.trigger("keydown", { key: "Enter" });
    await flushPromises();
    expect(wrapper.get('[data-testid="id-number-error"]').text()).toContain("应为18位");
    expect(wrapper.find('[data-testid="id-grouped"]').exists()).toBe(false); // too short to group
  });

  it("checks a short number only on Enter and does not repeat an unchanged check", async () => {
    const wrapper = mount(IdNumberField);
    const input = wrapper.get('[data-testid="id-number-input"]');
    await input.setValue("1101");
    await flushPromises();
    expect(calls).toEqual([]);
    await input.trigger("keydown", { key: "Enter" });
    await input.trigger("keydown", { key: "Enter" });
    await flushPromises();
    expect(calls).toEqual(["1101"]);
  });

  it("clears a stale result as soon as the clerk edits the number", async () => {
    const wrapper = mount(IdNumberField);
    const input = wrapper.get('[data-testid="id-number-input"]');
    await input.setValue("11010519491231002X");
    await flushPromises();
    expect(wrapper.find('[data-testid="id-number-result"]').exists()).toBe(true);
    await input.setValue("11010519491231002");
    expect(wrapper.find('[data-testid="id-number-result"]').exists()).toBe(false);
  });
});
