import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { emptyRecord, evidenceAt, setEvidence, EVIDENCE_GROUPS } from "./record";

/** The key structure of a JSON value: objects by key, arrays by their first element. */
function shape(value: unknown, sorted = true): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0], sorted)] : [];
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (sorted) keys.sort();
    return Object.fromEntries(keys.map((k) => [k, shape((value as Record<string, unknown>)[k], sorted)]));
  }
  return "leaf";
}

/** Every object's keys in order, by path, for the parts both values have. */
function keyOrders(value: unknown, path = "", into: Record<string, string[]> = {}): Record<string, string[]> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    into[path] = Object.keys(value);
    for (const [k, v] of Object.entries(value)) keyOrders(v, path ? `${path}.${k}` : k, into);
  }
  return into;
}

// Nullable objects are null in a blank form; compare them where the golden has them.
const NULLABLE = ["existing_permit", "guardian", "special_case"];

describe("the UI's application record", () => {
  const golden = JSON.parse(
    readFileSync(resolve(__dirname, "../../crates/domain/tests/golden/application-record-v2.json"), "utf8"),
  );

  it("has exactly the keys of the domain's frozen version-2 record", () => {
    expect(emptyRecord().schema_version).toBe(golden.schema_version);
    const ours = shape(emptyRecord()) as Record<string, unknown>;
    const theirs = shape(golden) as Record<string, unknown>;
    for (const key of NULLABLE) {
      expect(Object.keys(theirs)).toContain(key);
      expect(ours[key], key).toBe("leaf"); // null in a blank form
      ours[key] = theirs[key];
    }
    ours.registration_history = theirs.registration_history;
    expect(ours).toEqual(theirs);
  });

  it("writes its keys in the golden's order (special_case after guardian, study.other first)", () => {
    const ours = keyOrders(emptyRecord());
    const theirs = keyOrders(golden);
    for (const [path, keys] of Object.entries(ours)) {
      expect(keys, path || "(top level)").toEqual(theirs[path]);
    }
    expect(ours["evidence.study"][0]).toBe("other");
  });

  it("names every evidence checkbox once, by a path that exists", () => {
    const record = emptyRecord();
    const paths = EVIDENCE_GROUPS.flatMap((g) => g.items.map((i) => i.path));
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.length).toBe(18);
    expect(paths).not.toContain("residence.other");
    expect(EVIDENCE_GROUPS.find((g) => g.key === "study")?.items[0]).toEqual({
      path: "study.other",
      label: "其他",
      name: "其他就读证明",
      rental: false,
      other: true,
    });
    for (const path of paths) {
      setEvidence(record, path, true);
      const value = evidenceAt(record, path);
      expect(typeof value === "boolean" ? value : value.ticked, path).toBe(true);
    }
  });
});
