import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { emptyRecord, evidenceAt, setEvidence, EVIDENCE_GROUPS } from "./record";

/** The key structure of a JSON value: objects by key, arrays by their first element. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
  }
  return "leaf";
}

describe("the UI's application record", () => {
  const golden = JSON.parse(
    readFileSync(resolve(__dirname, "../../crates/domain/tests/golden/application-record-v1.json"), "utf8"),
  );

  it("has exactly the keys of the domain's frozen version-1 record", () => {
    const ours = shape(emptyRecord()) as Record<string, unknown>;
    const theirs = shape(golden) as Record<string, unknown>;
    // Nullable objects are null in a blank form; compare them where the golden has them.
    for (const key of ["existing_permit", "guardian"]) {
      expect(Object.keys(theirs)).toContain(key);
      ours[key] = theirs[key];
    }
    ours.registration_history = theirs.registration_history;
    expect(ours).toEqual(theirs);
  });

  it("names every evidence checkbox once, by a path that exists", () => {
    const record = emptyRecord();
    const paths = EVIDENCE_GROUPS.flatMap((g) => g.items.map((i) => i.path));
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.length).toBe(18);
    for (const path of paths) {
      setEvidence(record, path, true);
      const value = evidenceAt(record, path);
      expect(typeof value === "boolean" ? value : value.ticked, path).toBe(true);
    }
  });
});
