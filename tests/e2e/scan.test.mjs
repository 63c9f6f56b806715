// The scan panel, end to end: two pages scanned from SANE's real `test` device into a
// case, listed with thumbnails, linked to an evidence item, one rotated and one deleted
// after a confirm; the live assessment names a ticked box without a page; the camera
// source says there is no camera (Xvfb has none); a PDF is refused with a clear message;
// a page a scanner saves into the watched folder arrives in the case.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keepScreenshot, setUpOffice, startApp } from "./harness.mjs";

describe("scanning proofs into a case", () => {
  let session;
  before(async () => {
    session = await startApp();
    await setUpOffice(session, ["accept"]);
    await session.click("new-application");
    await session.waitFor("intake");
  });
  after(async () => {
    await session?.quit();
  });
  afterEach(async (t) => {
    if (session) await keepScreenshot(session, `scan-${t.name}`);
  });

  it("scans two pages from the SANE test device and lists them", async () => {
    await session.waitFor("scan-needs-draft");
    await session.type("f-name", "扫描测试");
    await session.click("f-ev-employment.labour_contract");
    await session.waitFor("scan-source", { contains: "test:0", timeoutMs: 20000 });
    await session.clickCss('[data-testid="scan-source"] option[value="test:0"]');
    await session.clickCss('[data-testid="scan-evidence"] option[value="employment.labour_contract"]');
    await session.clear("scan-pages");
    await session.type("scan-pages", "2");
    await session.clickCss('[data-testid="scan-resolution"] option[value="150"]');
    await session.click("scan-start");
    await waitForCount("scan-page", 2, 60000);
    const links = await session.attributes("scan-page", "data-evidence");
    assert.deepEqual(links, ["employment.labour_contract", "employment.labour_contract"]);
    assert.equal(await session.exists("scan-unproven"), false, "the ticked item now has its pages");
    assert.equal(await session.exists("scan-error"), false);
  });

  it("rotates a page, and deletes one only after a confirm", async () => {
    const before = await session.attributes("scan-page", "data-page-id");
    await session.click("scan-page-rotate-0");
    await waitForCount("scan-page", 2, 20000);
    // The buttons are disabled while the rotation is being stored; a click then is lost.
    await waitForEnabled("scan-page-delete-1", 20000);
    await session.click("scan-page-delete-1");
    await session.waitFor("confirm-delete-page");
    await session.click("confirm-delete-page-yes");
    await waitForCount("scan-page", 1, 20000);
    assert.deepEqual(await session.attributes("scan-page", "data-page-id"), [before[0]]);
  });

  it("names a ticked box without a page beside the assessment", async () => {
    await session.click("f-ev-employment.social_insurance");
    const item = await session.waitFor("unscanned-item", { contains: "参加社会保险", timeoutMs: 20000 });
    assert.match(item, /已勾选但未附扫描件/);
    const fields = await session.attributes("unscanned-item", "data-field-path");
    assert.deepEqual(fields, ["evidence.employment.social_insurance"], "the labour contract has its pages");
  });

  it("says so when the camera source finds no camera", async () => {
    await session.clickCss('[data-testid="scan-source"] option[value="__camera__"]');
    const message = await session.waitFor("scan-camera-error", { timeoutMs: 20000 });
    assert.match(message, /未找到摄像头/);
    assert.equal(await session.count("scan-page"), 1, "nothing else lost");
  });

  it("refuses a PDF with a clear message and keeps the pages", async () => {
    const pdf = join(session.dataDir, "proof.pdf");
    writeFileSync(pdf, "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
    await session.clickCss('[data-testid="scan-source"] option[value="__file__"]');
    await session.waitFor("scan-file");
    await session.sendFile("scan-file", pdf);
    const refusal = await session.waitFor("scan-error", { timeoutMs: 20000 });
    assert.match(refusal, /PDF/);
    assert.equal(await session.count("scan-page"), 1, "nothing else lost");
  });

  it("imports what a scanner saves into the watched folder", async () => {
    const folder = join(session.dataDir, "scanner-out");
    mkdirSync(folder);
    await session.clickCss('[data-testid="scan-source"] option[value="__folder__"]');
    await session.waitFor("scan-folder");
    await session.type("scan-folder", folder);
    await session.click("scan-folder-watch");
    await session.waitFor("scan-folder-watching", { contains: folder, timeoutMs: 20000 });
    copyFileSync("docs/examples/rendered/slip.png", join(folder, "scan-0001.png"));
    await waitForCount("scan-page", 2, 30000);
    await session.waitFor("scan-folder-watching", { contains: "文件数：1", timeoutMs: 10000 });
    assert.ok(existsSync(join(folder, "imported", "scan-0001.png")), "the imported file is moved aside");
    assert.ok(!existsSync(join(folder, "scan-0001.png")));
  });

  async function waitForEnabled(testid, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await session.cmd("GET", `/element/${await session.find(testid)}/enabled`)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.fail(`${testid} stayed disabled`);
  }

  async function waitForCount(testid, count, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    while (Date.now() < deadline) {
      seen = await session.count(testid);
      if (seen === count) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.fail(`expected ${count} × ${testid}, saw ${seen}`);
  }
});
