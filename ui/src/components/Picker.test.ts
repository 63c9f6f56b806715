import { describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import Picker, { type Choice } from "./Picker.vue";

const counties: Choice[] = [
  { code: "330182", label: "建德市", detail: "浙江省杭州市建德市" },
  { code: "330424", label: "海盐县", detail: "浙江省嘉兴市海盐县" },
];

function mountPicker(queries: string[]) {
  return mount(Picker, {
    props: {
      id: "p",
      testid: "p",
      display: "",
      modelValue: "",
      search: async (query: string) => {
        queries.push(query);
        return counties.filter((c) => c.label.includes(query) || c.code.startsWith(query) || query === "jds");
      },
    },
  });
}

describe("Picker", () => {
  it("chooses the highlighted entry with the keyboard and reports its code", async () => {
    const queries: string[] = [];
    const wrapper = mountPicker(queries);
    const input = wrapper.get('[data-testid="p"]');
    await input.setValue("33");
    await input.trigger("input");
    await flushPromises();
    expect(wrapper.findAll('[role="option"]').length).toBe(2);
    await input.trigger("keydown", { key: "ArrowDown" });
    await input.trigger("keydown", { key: "Enter" });
    expect(wrapper.emitted("update:modelValue")?.at(-1)).toEqual(["330424"]);
    expect((input.element as HTMLInputElement).value).toBe("浙江省嘉兴市海盐县");
    expect(wrapper.find('[role="listbox"]').exists()).toBe(false);
  });

  it("ignores answers to an older query that arrive late", async () => {
    let release: (value: Choice[]) => void = () => undefined;
    const wrapper = mount(Picker, {
      props: {
        id: "p",
        testid: "p",
        display: "",
        modelValue: "",
        search: (query: string) =>
          query === "slow" ? new Promise<Choice[]>((resolve) => (release = resolve)) : Promise.resolve([counties[0]]),
      },
    });
    const input = wrapper.get('[data-testid="p"]');
    await input.setValue("slow");
    await input.trigger("input");
    await input.setValue("fast");
    await input.trigger("input");
    await flushPromises();
    release(counties);
    await flushPromises();
    expect(wrapper.findAll('[role="option"]').map((o) => o.attributes("data-testid"))).toEqual(["p-option-330182"]);
  });

  it("closes on Esc and restores the shown name", async () => {
    const wrapper = mountPicker([]);
    const input = wrapper.get('[data-testid="p"]');
    await input.setValue("建");
    await input.trigger("input");
    await flushPromises();
    await input.trigger("keydown", { key: "Escape" });
    expect(wrapper.find('[role="listbox"]').exists()).toBe(false);
    expect((input.element as HTMLInputElement).value).toBe("");
  });
});
