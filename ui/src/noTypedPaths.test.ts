// "Pick, never type": no view or component of the window asks the clerk to type a path.
// Every place a file or folder is chosen offers a list (drives, files found, folders opened
// one level at a time). This reads every template and fails on a text field that is about
// a path, a folder or a file, and on any placeholder or label text showing one.
import { describe, expect, it } from "vitest";
import { zhCN } from "./locales/zh-CN";

const sources = import.meta.glob("./**/*.vue", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

/** The text-like `<input>` and `<textarea>` tags of a template (radio, checkbox, file chooser, password, number and date fields are not typed paths). */
function typedFields(source: string): string[] {
  const template = source.slice(source.indexOf("<template>"));
  const tags = template.match(/<(input|textarea)\b[^>]*>/gs) ?? [];
  return tags.filter((tag) => !/\btype="(radio|checkbox|file|password|number|date|range|hidden)"/.test(tag));
}

const PATHLIKE = /path|folder|dir\b|dirname|file(?!_?name)|路径|文件夹/i;

/** What a field is about: the property its `v-model` writes, its id, test id and placeholder. */
function about(tag: string): string {
  const model = /v-model[.a-z]*="([^"]*)"/.exec(tag)?.[1].split(".").pop() ?? "";
  // Static names only (a bound test id such as `f-ev-${item.path}-text` names a JSON pointer),
  // and the locale key a bound placeholder shows.
  const named = [...tag.matchAll(/(?<![:\w-])(?:id|data-testid|placeholder)="([^"]*)"|:placeholder="([^"]*)"/g)].map(
    (match) => match[1] ?? match[2],
  );
  return [model, ...named].join(" ");
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

describe("no typed path in the window", () => {
  it("reads every view and component", () => {
    const names = Object.keys(sources);
    expect(names.some((name) => name.endsWith("TransferView.vue"))).toBe(true);
    expect(names.some((name) => name.endsWith("ScanPanel.vue"))).toBe(true);
    expect(names.length).toBeGreaterThan(30);
  });

  it("has no text field for a path, a folder or a file", () => {
    const offending = Object.entries(sources).flatMap(([name, source]) =>
      typedFields(source)
        .filter((tag) => PATHLIKE.test(about(tag)))
        .map((tag) => `${name}: ${tag.replace(/\s+/g, " ")}`),
    );
    expect(offending).toEqual([]);
  });

  it("shows no example path to type and asks for none", () => {
    const shown = strings(zhCN).filter((text) => /\/(home|media|mnt|srv|tmp)\/|请(填写|输入)[^。]*(路径|文件夹)/.test(text));
    expect(shown).toEqual([]);
  });

  it("would catch a typed path field", () => {
    const typed = '<template><label>保存到</label><input v-model="exportPath" class="input" /></template>';
    expect(typedFields(typed).filter((tag) => PATHLIKE.test(about(tag)))).toHaveLength(1);
    const evidenceText = '<input v-model="otherOf(item.path).description" class="input" />';
    expect(PATHLIKE.test(about(evidenceText))).toBe(false);
    const picked = '<template><input v-model="chosen" type="radio" :value="place.path" /></template>';
    expect(typedFields(picked)).toHaveLength(0);
  });
});
