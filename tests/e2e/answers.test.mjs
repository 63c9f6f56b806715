// The three answers at the counter, in the real window (issues "policy fidelity" and "the
// counter's flow without traps"): the submit button says what it will do and asks first;
// a local applicant gets the 不予受理告知书, printed through CUPS, and the case closes in its
// own state, after which a new application starts; an incomplete form gets the one-time
// notice, printed after the confirm; locking the screen returns to the same form; the
// day's 台账 holds the three answers, printed through CUPS and exported as a workbook to a
// mounted stick, both read back.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  fillJiandeApplication,
  keepScreenshot,
  mountStick,
  setUpOffice,
  startApp,
  submitAndConfirm,
  until,
  waitForPrintedFile,
  waitForValue,
  ADMIN,
} from "./harness.mjs";

describe("three answers: accept, a notice of materials, not eligible", () => {
  let session;
  before(async () => {
    session = await startApp();
    await setUpOffice(session, ["accept"]);
  });
  after(async () => {
    await session?.quit();
  });
  afterEach(async (t) => {
    if (session) await keepScreenshot(session, `answers-${t.name}`);
  });

  /** Prints the document whose preview is open on the private CUPS queue. */
  async function printOpenPreview(documentName) {
    await session.waitFor("preview-page", { timeoutMs: 20000 });
    await session.click("print-submit");
    const done = await session.waitFor("print-done", { timeoutMs: 60000 });
    assert.match(done, new RegExp(`已打印${documentName}`));
    // The trail is read again after the job: wait for the print's own line (the state
    // change's line may name the document too, and comes first until then).
    const deadline = Date.now() + 10000;
    let lines = [];
    while (Date.now() < deadline) {
      lines = await session.texts("audit-line");
      if (lines.some((line) => line.includes(documentName) && line.includes("打印机"))) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const audited = lines.find((line) => line.includes(documentName) && line.includes("打印机")) ?? lines.join(" | ");
    assert.match(audited, /打印机 PermitDeskPDF · 1 份 · 完成/);
  }

  it("tells a local applicant they are not eligible, prints the refusal, and closes the case", async () => {
    await session.click("new-application");
    await session.waitFor("intake");
    // The office's county profile is chosen for a new form.
    assert.equal(await session.value("f-profile"), "330182");
    // A 建德 resident whose household is registered in 建德: not floating population.
    await fillJiandeApplication(session, {
      idNumber: "330182199205150019",
      name: "王建国",
      householdAddress: "浙江省杭州市建德市新安江街道府前路6号",
    });
    const decision = await session.waitFor("assessment-decision", { contains: "不符合互认条件" });
    assert.match(decision, /不予受理/);
    // The assessment runs as the form is typed: an earlier one (a field still half typed)
    // may still be on screen with its missing materials until the last one lands.
    await until(
      () => session.attributes("notice-item", "data-kind"),
      (kinds) => JSON.stringify(kinds) === JSON.stringify(["eligibility"]),
      "the notice lists only the eligibility reason",
    );
    assert.match(await session.text("notice-basis"), /流动人口/, "the reason shows the sentence it rests on");
    assert.equal(await session.text("f-submit"), "出具不予受理告知书");
    assert.equal(await session.exists("f-accept-opinion"), false, "no acceptance opinion for a refusal");
    await keepScreenshot(session, "answers-not-eligible-form");

    // The confirm says what will happen before anything is written.
    await session.waitFor("save-state", { contains: "已自动保存" });
    await session.click("f-submit");
    const confirm = await session.waitFor("confirm-submit");
    assert.match(confirm, /不予受理告知书/);
    assert.match(confirm, /不能补正/);
    await keepScreenshot(session, "answers-not-eligible-confirm");
    await session.click("confirm-submit-yes");
    await session.waitFor("case", { timeoutMs: 15000 });
    // The refusal is what the case calls for: its preview opens next.
    await session.waitFor("preview", { timeoutMs: 30000 });
    assert.match(await session.text("preview"), /不予受理告知书/);
    await printOpenPreview("不予受理告知书");
    assert.equal(await session.text("case-state"), "不予受理");
    assert.equal(await session.exists("case-edit"), false, "a refused case cannot be corrected into an acceptance");
    await keepScreenshot(session, "answers-not-eligible-case");

    // A new application can be started from the closed case.
    await session.click("case-new-application");
    await session.waitFor("intake");
    assert.equal(await session.value("f-name"), "", "a blank form");
    await session.click("back-home");
    await session.waitFor("worklist-count-not_eligible", { contains: "1" });
  });

  it("gives the one-time notice of missing materials only after a confirm, and prints it", async () => {
    await session.click("new-application");
    await session.waitFor("intake");
    await fillJiandeApplication(session, { name: "李娜" });
    // Untick the proofs of employment and residence: the conditions are not shown.
    for (const box of [
      "employment.labour_contract",
      "employment.social_insurance",
      "residence.rental.rental_registration",
      "residence.rental.lease_contract",
    ]) {
      await session.click(`f-ev-${box}`);
    }
    // Each click is assessed again after a pause; on a busy machine the clicks can be
    // assessed one by one, so wait for the answer to the last one (no proof of either
    // condition: one item), not for the first notice that shows.
    await session.waitFor("f-submit", { contains: "（1项）" });
    assert.match(await session.text("assessment-decision"), /一次性告知/);
    const label = await session.text("f-submit");
    assert.match(label, /^出具一次性告知书（\d+项）$/);
    assert.equal(await submitAndConfirm(session, { closePreview: false }), label);
    await session.waitFor("preview", { timeoutMs: 30000 });
    assert.match(await session.text("preview"), /一次性告知书/);
    await waitForValue(session, "print-document", /^notice$/);
    await printOpenPreview("一次性告知书");
    assert.equal(await session.text("case-state"), "已一次性告知");
    assert.ok(await session.exists("case-edit"), "the applicant may come back with the papers");
    await session.click("case-back");
    await session.waitFor("worklist-count-notices_issued", { contains: "1" });
  });

  it("returns to the same form after the screen is locked and unlocked", async () => {
    await session.click("new-application");
    await session.waitFor("intake");
    await session.type("f-name", "赵敏");
    await session.waitFor("save-state", { contains: "已自动保存" });
    await session.click("lock");
    await session.waitFor("login-locked");
    assert.equal(await session.exists("intake"), false, "no personal data on a locked screen");
    await session.type("login-password", ADMIN.password);
    await session.click("login-submit");
    await session.waitFor("intake", { timeoutMs: 20000 });
    assert.equal(await session.value("f-name"), "赵敏", "the form as it was left");
  });

  it("fills in today's date when the applicant signs", async () => {
    const today = await session.text("today");
    await session.click("f-declaration-signed");
    await session.waitFor("f-declaration-date");
    const deadline = Date.now() + 5000;
    let value = "";
    while (Date.now() < deadline && !value) {
      value = await session.value("f-declaration-date");
      if (!value) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(today.includes(value), `the signature date defaults to today (${value}; header: ${today})`);
  });

  it("台账: the day's three answers are in the register, printed through CUPS and exported as a workbook", async () => {
    await session.click("back-home");
    await session.waitFor("home");
    await session.click("new-application");
    await session.waitFor("intake");
    await fillJiandeApplication(session, { name: "孙丽" });
    await session.waitFor("assessment-decision", { contains: "符合受理条件", timeoutMs: 15000 });
    assert.equal(await submitAndConfirm(session), "受理");
    await session.click("case-back");
    await session.waitFor("home");
    await session.click("open-ledger");
    await session.waitFor("ledger-summary", { timeoutMs: 15000 });
    assert.equal((await session.attributes("ledger-total", "data-count"))[0], "3");
    const states = await session.attributes("ledger-line", "data-state");
    assert.deepEqual([...states].sort(), ["accepted", "not_eligible", "refused"], `several states: ${states}`);

    // Printed through CUPS on the office's printer: cups-pdf's file is the register.
    assert.equal(await session.value("ledger-printer"), "PermitDeskPDF");
    await session.click("ledger-print");
    const printed = await session.waitFor("ledger-printed", { timeoutMs: 60000 });
    const job = /PermitDeskPDF-(\d+)/.exec(printed)?.[1];
    assert.ok(job, `the job number is shown: ${printed}`);
    const text = execFileSync("pdftotext", ["-raw", await waitForPrintedFile(job), "-"], { encoding: "utf8" }).replace(/\s+/g, "");
    for (const expected of ["互认转换业务台账", "建德市公安局新安江派出所", "申请总数3", "孙丽", "已受理", "不予受理", "一次性告知", "办理中", "不计时", "模板ledger1.0.0"]) {
      assert.ok(text.includes(expected), `the printed register shows ${expected}: ${text}`);
    }

    // Exported as a workbook to a USB stick picked from the list, then opened and read.
    const stick = mountStick("E2E-LEDGER-");
    try {
      await session.click("ledger-export-places-refresh");
      await session.waitFor(`ledger-export-place-${stick.label}`, { contains: "U盘" });
      await session.clickCss(`[data-testid="ledger-export-place-${stick.label}"] input`);
      await session.click("ledger-export");
      const exported = await session.waitFor("ledger-exported", { timeoutMs: 20000 });
      const files = readdirSync(stick.path);
      assert.equal(files.length, 1, `one whole workbook, no partial file: ${files}`);
      assert.match(files[0], /^台账_\d{8}-\d{8}_\d{8}-\d{6}\.xlsx$/);
      assert.ok(exported.includes(files[0]) && exported.includes("3 件申请"), exported);
      const workbook = join(stick.path, files[0]);
      const part = (name) => execFileSync("unzip", ["-p", workbook, name], { encoding: "utf8" });
      const sheets = part("xl/workbook.xml");
      assert.ok(sheets.includes('name="台账"') && sheets.includes('name="统计"'), sheets);
      const strings = part("xl/sharedStrings.xml");
      for (const expected of ["孙丽", "居住登记时间互认", "已受理", "不予受理", "办理中", "不计时", "建德市 建政办函"]) {
        assert.ok(strings.includes(expected), `the workbook holds ${expected}`);
      }
      assert.match(strings, /33018201-\d{8}-000\d/);
      assert.doesNotMatch(strings, /\d{17}[\dX]/, "ID numbers stay masked in the file");
      await keepScreenshot(session, "answers-ledger-printed-exported");
    } finally {
      stick.remove();
    }
    await session.click("ledger-back");
    await session.waitFor("home");
  });
});
