import { describe, expect, it } from "vitest";
import { t } from "./index";
import { zhCN } from "./zh-CN";

function leaves(node: unknown, prefix = ""): [string, string][] {
  if (typeof node === "string") return [[prefix, node]];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

describe("zh-CN messages", () => {
  it("looks keys up", () => {
    expect(t("home.newApplication")).toBe("新建申请");
    expect(t("app.title")).toBe("浙江省居住证互认办理");
  });

  it("has no empty message and every message contains Chinese", () => {
    for (const [key, text] of leaves(zhCN)) {
      expect(text.trim(), key).not.toBe("");
      expect(/[\u4e00-\u9fff]/.test(text), `${key} should be Chinese: ${text}`).toBe(true);
    }
  });
});
