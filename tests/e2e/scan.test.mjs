// The scan panel, end to end: two pages scanned from SANE's real `test` device into a
// case, listed with thumbnails, linked to an evidence item, one rotated and one deleted
// after a confirm; the live assessment names a ticked box without a page; the camera
// source says there is no camera (Xvfb has none); a two-page PDF comes in as two pages and
// a damaged one is refused with a clear message; a page a scanner saves into the watched
// folder (opened in the folder picker on a mounted drive, never typed) arrives in the case.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keepScreenshot, mountStick, scanFromTestDevice, setUpOffice, startApp, waitForCount as waitForCountOn, watchFolderOnStick } from "./harness.mjs";

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
    // Listed by maker and model (SANE's internal name stays out of sight).
    await session.waitFor("scan-source", { contains: "frontend-tester", timeoutMs: 20000 });
    assert.doesNotMatch(await session.text("scan-source"), /test:0/);
    await scanFromTestDevice(session, { evidence: "employment.labour_contract", pages: 2 });
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

  it("imports a two-page PDF as two pages", async () => {
    // Social-insurance statements and leases arrive as PDF files: every page comes in.
    const pdf = join(session.dataDir, "社保缴费证明.pdf");
    writeFileSync(pdf, twoPagePdf());
    await session.clickCss('[data-testid="scan-source"] option[value="__file__"]');
    await session.waitFor("scan-file");
    await session.sendFile("scan-file", pdf);
    await session.waitFor("scan-imported", { contains: "共 2 页", timeoutMs: 30000 });
    await waitForCount("scan-page", 3, 20000);
    await keepScreenshot(session, "scan-pdf-two-pages");
  });

  it("refuses a damaged PDF with a clear message and keeps the pages", async () => {
    const pdf = join(session.dataDir, "proof.pdf");
    writeFileSync(pdf, "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
    await session.sendFile("scan-file", pdf);
    const refusal = await session.waitFor("scan-error", { timeoutMs: 20000 });
    assert.match(refusal, /损坏/);
    assert.equal(await session.count("scan-page"), 3, "nothing else lost");
  });

  it("imports what a scanner saves into the watched folder", async () => {
    // The scanner saves to a folder on a drive (a tmpfs mounted as a desktop mounts a
    // stick); the clerk opens it in the picker, never typing its path.
    const drive = mountStick("E2E-SCANNER-");
    try {
      mkdirSync(join(drive.path, "扫描件"));
      const folder = await watchFolderOnStick(session, drive, "扫描件", { screenshot: "scan-folder-picker" });
      copyFileSync("docs/examples/rendered/slip.png", join(folder, "scan-0001.png"));
      await waitForCount("scan-page", 4, 30000);
      await session.waitFor("scan-folder-watching", { contains: "文件数：1", timeoutMs: 10000 });
      assert.ok(existsSync(join(folder, "imported", "scan-0001.png")), "the imported file is moved aside");
      assert.ok(!existsSync(join(folder, "scan-0001.png")));
    } finally {
      // Leave the folder source first so the window stops polling the drive.
      await session.clickCss('[data-testid="scan-source"] option[value="__file__"]');
      drive.remove();
    }
  });

  /** A minimal valid PDF of two A4 pages, each with a black square and a few bars. */
  function twoPagePdf() {
    const objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>"];
    for (const page of [0, 1]) {
      objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents ${4 + 2 * page} 0 R >>`);
      let stream = "0 g 0 742 150 100 re f\n";
      for (let bar = 0; bar <= page; bar++) stream += `0 g 300 ${600 - bar * 20} 200 6 re f\n`;
      objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}endstream`);
    }
    let out = "%PDF-1.4\n";
    const offsets = [];
    objects.forEach((object, index) => {
      offsets.push(out.length);
      out += `${index + 1} 0 obj\n${object}\nendobj\n`;
    });
    const xref = out.length;
    out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
    for (const offset of offsets) out += `${String(offset).padStart(10, "0")} 00000 n \n`;
    out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    return out;
  }

  async function waitForEnabled(testid, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await session.cmd("GET", `/element/${await session.find(testid)}/enabled`)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.fail(`${testid} stayed disabled`);
  }

  const waitForCount = (testid, count, timeoutMs) => waitForCountOn(session, testid, count, timeoutMs);
});
