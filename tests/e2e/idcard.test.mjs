// The ID-card reader at the counter (a simulated reader on a pseudo-terminal, speaking the
// security module's frame protocol): the header says it is there, a card placed on it
// fills the form on its own and marks what it filled, what the clerk typed is never
// replaced without a confirm, and an expired card is warned about.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { keepScreenshot, placeCard, setUpOffice, startApp, waitForValue } from "./harness.mjs";

describe("ID-card reader", () => {
  let session;
  before(async () => {
    placeCard("none");
    session = await startApp();
    await setUpOffice(session, ["accept"]);
  });
  after(async () => {
    placeCard("none");
    await session?.quit();
  });
  afterEach(async (t) => {
    if (session) await keepScreenshot(session, `idcard-${t.name}`);
  });

  it("shows the reader in the header and fills an empty form when a card is placed", async () => {
    await session.waitFor("card-reader-status", { contains: "读卡器已连接", timeoutMs: 15000 });
    await session.click("new-application");
    await session.waitFor("intake");
    placeCard("card");
    await waitForValue(session, "f-name", /^陈静$/);
    assert.equal(await session.value("id-number-input"), "341203199003071227");
    await session.waitFor("id-number-result"); // the number read is checked as if typed
    assert.equal(await session.value("f-hh-address"), "向阳路街道幸福村12号", "the 住址 after its county");
    assert.match(await session.value("f-hh-county"), /颍东区/);
    assert.match(await session.value("f-ethnic"), /汉/);
    for (const mark of ["from-card-id-number", "from-card-f-name", "from-card-gender", "from-card-f-ethnic", "from-card-f-hh-county", "from-card-f-hh-address"]) {
      assert.equal(await session.exists(mark), true, `${mark} marks a field read from the card`);
    }
    assert.equal(await session.exists("card-expired"), false);
    // A field the clerk changes is no longer marked as the card's.
    await session.clear("f-hh-address");
    await session.type("f-hh-address", "幸福村12号");
    assert.equal(await session.exists("from-card-f-hh-address"), false);
  });

  it("asks before a card replaces what the clerk typed", async () => {
    placeCard("none");
    await new Promise((resolve) => setTimeout(resolve, 2000)); // lifted: the form sees no card
    await session.clear("f-name");
    await session.type("f-name", "陈晶");
    placeCard("card");
    const dialog = await session.waitFor("card-conflicts", { timeoutMs: 10000 });
    assert.match(dialog, /陈晶/);
    assert.match(dialog, /陈静/);
    assert.match(dialog, /幸福村12号/);
    assert.equal(await session.value("f-name"), "陈晶", "nothing typed changes before the clerk answers");
    await keepScreenshot(session, "idcard-conflict-dialog");
    await session.click("card-replace");
    await waitForValue(session, "f-name", /^陈静$/);
    assert.equal(await session.value("f-hh-address"), "向阳路街道幸福村12号");
  });

  it("warns when the card has expired, and says when 读卡 finds no card", async () => {
    placeCard("none");
    await session.click("read-card");
    await session.waitFor("card-error", { contains: "没有证件" });
    placeCard("expired");
    await session.waitFor("card-expired", { contains: "2025-12-01", timeoutMs: 10000 });
    assert.equal(await session.exists("card-conflicts"), false, "the same person's card: nothing to ask");
  });

  it("keeps what was read out of the log files", async () => {
    const logs = join(session.dataDir, "logs");
    const text = readdirSync(logs).map((name) => readFileSync(join(logs, name), "utf8")).join("\n");
    assert.ok(text.length > 0, "the app logged its start");
    for (const read of ["341203199003071227", "陈静", "向阳路街道幸福村12号"]) {
      assert.equal(text.includes(read), false, `the log holds no ${read}`);
    }
  });
});
