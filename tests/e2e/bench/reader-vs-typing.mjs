// Benchmark (make bench-reader): the applicant's identity on the form — 公民身份号码, 姓名,
// 性别, 民族, 常住户口 (province, county, address) — typed by the clerk from the card,
// against the card placed on the reader (the simulated reader at 115200 bps). Reports the
// seconds WebDriver took from the empty form to those fields complete, and the keystrokes
// a clerk makes for them, counted per field: digits and letters one each, Chinese through
// full pinyin (the syllables' letters plus one key to choose each word), a Tab between
// fields. Figures go to BENCHMARKS.md; the JSON to artifacts/e2e/bench-reader.json.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { artifactsDir, pick, placeCard, setUpOffice, startApp, waitForValue } from "../harness.mjs";

/** What the clerk types for each field, with the keys it takes (pinyin for Chinese). */
const TYPED = [
  { field: "公民身份号码", keys: 18 }, // 341203199003071227
  { field: "姓名 陈静", keys: "chen jing".replace(" ", "").length + 1 }, // one word chosen
  { field: "性别", keys: 0 }, // decoded from the number
  { field: "民族 汉族 (picker: hz, Enter)", keys: 3 },
  { field: "常住户口 省/县", keys: 0 }, // guessed from the number when it is the same county
  // 向阳路 街道 幸福村 12 号: 26 letters, three words chosen, two digits, hao + choose.
  { field: "户籍详细地址 向阳路街道幸福村12号", keys: 26 + 3 + 2 + 4 },
  { field: "Tab between the fields", keys: 4 },
];
const RUNS = Number(process.env.BENCH_READER_RUNS ?? 5);

describe("the applicant's identity: typed or read from the card", () => {
  let session;
  const typed = [];
  const read = [];
  before(async () => {
    placeCard("none");
    session = await startApp();
    await setUpOffice(session, ["accept"]);
  });
  after(async () => {
    placeCard("none");
    const keys = TYPED.reduce((sum, field) => sum + field.keys, 0);
    const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const result = {
      runs: RUNS,
      typed: { keystrokes: keys, fields: TYPED, webdriver_seconds_median: median(typed), all: typed },
      card: { keystrokes: 0, webdriver_seconds_median: median(read), all: read },
    };
    writeFileSync(join(artifactsDir, "bench-reader.json"), JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result, null, 2));
    await session?.quit();
  });

  async function emptyForm() {
    if (await session.exists("intake")) {
      await session.click("f-clear");
      await session.waitFor("confirm-clear");
      await session.click("confirm-clear-yes");
      for (let i = 0; i < 50 && (await session.exists("confirm-clear")); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } else {
      await session.click("new-application");
      await session.waitFor("intake");
    }
    assert.equal(await session.value("f-name"), "");
  }

  it("times the clerk typing the identity, and the card read", async () => {
    for (let run = 0; run < RUNS; run++) {
      await emptyForm();
      let start = performance.now();
      await session.type("id-number-input", "341203199003071227");
      await session.waitFor("id-number-result");
      await session.type("f-name", "陈静");
      await pick(session, "f-ethnic", "hz", "01");
      await session.type("f-hh-address", "向阳路街道幸福村12号");
      await waitForValue(session, "f-hh-county", /颍东区/);
      typed.push((performance.now() - start) / 1000);

      await emptyForm();
      placeCard("none");
      await new Promise((resolve) => setTimeout(resolve, 1600)); // the form has seen the reader empty
      start = performance.now();
      placeCard("card");
      await waitForValue(session, "f-hh-address", /^向阳路街道幸福村12号$/, 15000);
      await waitForValue(session, "f-name", /^陈静$/);
      read.push((performance.now() - start) / 1000);
      placeCard("none");
    }
    assert.equal(typed.length, RUNS);
  });
});
