// One case from draft to approved by three different clerks, in the real window:
// the administrator sets up the office and adds the clerks; 受理 fills and submits the
// form (saved as typed); 审核 reviews; the clerk who accepted tries to approve and is
// refused (separation of duties); 审批 approves. The worklists move the case along.
// After the stand-in platform issues the permit, the confirmation slip is printed through
// CUPS and its QR code, read back from the printed PDF, is verified in the window — after a
// printer that jams mid-job and a job cancelled at the printer left it owed.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  addClerks,
  fillJiandeApplication,
  closePreviewDialog,
  keepScreenshot,
  logIn,
  logOut,
  scanFromTestDevice,
  setUpOffice,
  startApp,
  submitAndConfirm,
  waitForPrintedFile,
  waitForCount as waitForCountOn,
} from "./harness.mjs";

const CLERKS = {
  // The accepting clerk may also approve: the app must still refuse them on their own case.
  // `initial`: what the administrator sets; `password`: what each chooses at the first
  // log-in (the window allows nothing else until then).
  accepter: { username: "wang", name: "王受理", roles: ["accept", "approve"], initial: "wang-first-1", password: "wang-pass-1" },
  reviewer: { username: "li", name: "李审核", roles: ["review"], initial: "li-first-12", password: "li-pass-12" },
  approver: { username: "zhao", name: "赵审批", roles: ["approve"], initial: "zhao-first-1", password: "zhao-pass-1" },
};

describe("accept → review → approve by three clerks", () => {
  let session;
  const waitForCount = (testid, n, timeoutMs) => waitForCountOn(session, testid, n, timeoutMs);
  /** An attribute of the first element matching a CSS selector. */
  async function attributeOf(selector, name) {
    const element = await session.findCss(selector);
    return session.cmd("GET", `/element/${element}/attribute/${name}`);
  }
  let caseId;
  before(async () => {
    session = await startApp();
  });
  let stub;
  after(async () => {
    stub?.kill();
    await session?.quit();
  });
  afterEach(async (t) => {
    if (session) await keepScreenshot(session, `workflow-${t.name}`);
  });

  /** Opens the case from a worklist on the home screen. */
  async function openFrom(list) {
    await session.waitFor(`worklist-${list}`);
    await session.click(`worklist-${list}`);
    await session.waitFor("case-line");
    await session.clickCss(`[data-testid="case-line"][data-case-id="${caseId}"] td`);
    // The page's frame comes first, the case a moment later: wait for the case itself.
    await session.waitFor("case-name");
  }

  it("sets up the office and adds three clerks", async () => {
    await setUpOffice(session);
    assert.match(await session.text("current-clerk"), /管理员/);
    await addClerks(session, Object.values(CLERKS));
    for (const clerk of Object.values(CLERKS)) assert.ok(await session.exists(`clerk-${clerk.username}`));
    await logOut(session);
  });

  it("受理: an applicant without a phone is accepted, marked for the paper slip, and the receipt is offered", async () => {
    const { accepter } = CLERKS;
    await logIn(session, accepter.username, accepter.password, { initial: accepter.initial });
    await session.click("new-application");
    await session.waitFor("intake");
    // The elderly applicant this product exists for: no mobile phone, so no SMS.
    await fillJiandeApplication(session, { name: "陈静", phone: null });
    await session.waitFor("paper-slip-auto", { contains: "纸质确认单" });
    // Two pages of the labour contract, scanned from SANE's test device once the draft is
    // saved: the reviewer will page through them beside the box they prove.
    await session.waitFor("save-state", { contains: "已自动保存" });
    await scanFromTestDevice(session, { evidence: "employment.labour_contract", pages: 2 });
    await session.waitFor("assessment-decision", { contains: "符合受理条件" });
    assert.equal(await submitAndConfirm(session, { closePreview: false }), "受理");
    // The receipt is what acceptance calls for: preselected, its preview opened next.
    await session.waitFor("preview", { timeoutMs: 30000 });
    assert.match(await session.text("preview"), /受理回执/);
    assert.equal(await session.value("print-document"), "receipt");
    await keepScreenshot(session, "workflow-receipt-preview");
    await session.click("preview-close");
    await session.waitFor("case-state");
    assert.equal(await session.text("case-state"), "已受理");
    assert.equal(await session.text("case-accepted-by"), accepter.name);
    assert.match(await session.text("case-due"), /^\d{4}-\d{2}-\d{2}/);
    assert.match(await session.text("case-application-number"), /^33018201-\d{8}-0001$/, "county + station, numbered at acceptance");
    // The internal id sits in a closed support fold, out of the clerk's way: read it there.
    caseId = await attribute("case-id", "data-case-id");
    await session.click("case-back");
    await session.waitFor("worklist-awaiting_review");
    await session.click("worklist-awaiting_review");
    await session.waitFor("case-line");
    assert.deepEqual(await session.attributes("case-line", "data-case-id"), [caseId], "it waits for review");
    assert.equal(await session.text("worklist-count-drafts"), "0", "no longer a draft");
    await logOut(session);
  });

  it("审核: the reviewer finds it in 待审核, reads the whole application and its reasoning, pages through the proofs, and sends it back", async () => {
    const { reviewer } = CLERKS;
    await logIn(session, reviewer.username, reviewer.password, { initial: reviewer.initial });
    await openFrom("awaiting_review");
    assert.equal(await session.text("case-name"), "陈静");

    // The application as the applicant declared it, places and ethnic group named.
    await session.waitFor("application-sheet");
    assert.equal(await session.text("sheet-name"), "陈静");
    assert.equal(await session.text("sheet-ethnic"), "汉族");
    assert.match(await session.text("sheet-current-county"), /建德市$/);
    assert.equal(await attribute("sheet-type", "data-type"), "registration_time");
    assert.equal(await session.count("sheet-registration"), 2);
    const ticked = (await session.attributes("sheet-evidence", "data-ticked")).filter((value) => value === "true");
    assert.equal(ticked.length, 4, "the four boxes the counter ticked, out of all eighteen shown");
    assert.equal(await session.count("sheet-evidence"), 18);
    assert.match(await session.text("sheet-opinion-acceptance"), /同意受理/);

    // How Jiande's rules were applied, as of the day of acceptance.
    const assessment = await session.waitFor("case-assessment", { timeoutMs: 15000 });
    assert.match(assessment, /符合受理条件/);
    assert.match(assessment, /建德/);
    const outcomes = await session.attributes("explained-rule", "data-outcome");
    assert.ok(outcomes.length >= 7 && !outcomes.includes("not_met"), `every rule is met: ${outcomes}`);
    const rules = await session.texts("explained-rule");
    assert.ok(rules.some((rule) => /居住登记时间：在浙江省内连续累计居住登记\d+个月.*须满6个月。/.test(rule)), rules.join(" | "));
    assert.ok(rules.some((rule) => /合法稳定就业：签订劳动合同（第1、2页）；参加社会保险（未附扫描件）。/.test(rule)), rules.join(" | "));

    // The proofs beside their boxes: the labour contract has its two pages, the ticked
    // social insurance has none and says so.
    await waitForCount("case-page", 2, 20000);
    assert.equal(await attributeOf('[data-testid="case-pages-group"][data-evidence="employment.labour_contract"]', "data-missing"), "false");
    assert.equal(await attributeOf('[data-testid="case-pages-group"][data-evidence="employment.social_insurance"]', "data-missing"), "true");
    await keepScreenshot(session, "workflow-review-desk");
    // The application and its reasoning side by side, scrolled into view.
    await session.cmd("POST", "/execute/sync", {
      script: "document.querySelector('[data-testid=\"application-sheet\"]').scrollIntoView();",
      args: [],
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await keepScreenshot(session, "workflow-review-application-and-reasoning");
    await session.click("case-page");
    assert.match(await session.waitFor("page-viewer-caption"), /第 1 页，共 2 页 · 签订劳动合同/);
    await session.waitFor("page-viewer-image", { timeoutMs: 15000 });
    await session.type("page-viewer-next", "\uE00F"); // PageDown
    await session.waitFor("page-viewer-caption", { contains: "第 2 页，共 2 页" });
    await session.waitFor("page-viewer-image", { timeoutMs: 15000 });
    // The page is black: the reviewer marks it 不清晰 (U) with a note, Enter saves.
    await session.type("page-viewer-rotate", "u"); // a button that is never disabled takes the key
    await session.waitFor("page-mark-form");
    await session.type("page-mark-note", "扫描件全黑\uE007");
    assert.match(await session.waitFor("page-viewer-mark", { timeoutMs: 10000 }), /已标记不清晰（李审核/);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the window's paint catches up
    await keepScreenshot(session, "workflow-review-page-viewer");
    await session.type("page-viewer-close", "\uE00C"); // Esc closes the viewer, not the case
    await waitForCount("page-viewer", 0, 5000);
    assert.ok(await session.exists("case"), "still on the case page");

    assert.equal(await session.count("case-page-mark"), 1, "the thumbnail carries the mark");

    // Sent back (Alt+T) with the reason the mark gives, and one more the reviewer adds.
    await session.waitFor("case-step");
    await session.type("case-opinion", "\uE00At\uE00A"); // Alt+T, Alt released
    await session.waitFor("confirm-send-back");
    assert.ok(await session.exists("send-back-from-marks"), "filled in from the marks");
    assert.equal(await session.value("case-send-back-reasons"), "第2页（签订劳动合同）不清晰，请重新提供清晰的材料（扫描件全黑）");
    await session.type("case-send-back-reasons", "\uE007请携带劳动合同原件"); // Enter: a second reason
    await new Promise((resolve) => setTimeout(resolve, 800)); // the window's paint catches up
    await keepScreenshot(session, "workflow-review-send-back");
    await session.click("confirm-send-back-yes");
    await session.waitFor("case-state", { contains: "已一次性告知" });
    const line = (await session.texts("history-line")).at(-1);
    assert.match(line, /退回补正.*李审核.*第2页（签订劳动合同）不清晰.*（扫描件全黑）；请携带劳动合同原件/, line);
    await logOut(session);
  });

  it("退回补正: the counter finds the reason among the notices, corrects the case and accepts it again", async () => {
    const { accepter } = CLERKS;
    await logIn(session, accepter.username, accepter.password);
    await openFrom("notices_issued");
    assert.equal(await session.text("case-state"), "已一次性告知");
    // The notice to print now names the reviewer's reason.
    await session.waitFor("banner-print-notice");
    await session.click("banner-print-notice");
    await session.waitFor("preview", { timeoutMs: 30000 });
    await session.waitFor("preview-page", { timeoutMs: 15000 });
    await session.click("preview-close");
    await waitForCount("preview", 0, 5000);
    await session.click("case-edit");
    await session.waitFor("intake");
    assert.equal(await session.value("f-name"), "陈静", "the stored application, to correct");
    // The counter sees which page the reviewer marked, and scans the contract again.
    assert.match(await session.waitFor("scan-page-mark", { timeoutMs: 20000 }), /审核标记：不清晰（李审核）/);
    await scanFromTestDevice(session, { evidence: "employment.labour_contract", pages: 1, expectTotal: 3 });
    // The correction is written down (saving reopens the case as a draft), then accepted.
    await session.type("f-remarks", "已核对劳动合同原件");
    assert.equal(await submitAndConfirm(session), "受理");
    await session.waitFor("case-state", { contains: "已受理" });
    assert.match(await session.text("case-application-number"), /^33018201-\d{8}-0001$/, "the same number");
    await logOut(session);
  });

  it("审核 again: the reviewer sees what changed since the first acceptance and passes it with Ctrl+Enter", async () => {
    const { reviewer } = CLERKS;
    await logIn(session, reviewer.username, reviewer.password);
    await openFrom("awaiting_review");
    await session.waitFor("case-revision", { timeoutMs: 15000 });
    assert.equal(await attribute("case-revision-fields", "data-count"), "1", "the remark the counter wrote");
    assert.equal(await attribute("case-revision-pages", "data-count"), "1", "the page scanned again");
    assert.match(await attributeOf('[data-testid="sheet-remarks"]', "class"), /sheet--changed/);
    await waitForCount("case-page", 3, 20000);
    assert.equal(await session.count("case-page-new"), 1);
    await new Promise((resolve) => setTimeout(resolve, 800)); // the window's paint catches up
    await keepScreenshot(session, "workflow-review-revision");
    await session.waitFor("case-step");
    await session.type("case-opinion", "\uE009\uE007"); // Ctrl+Enter signs with the opinion as written
    await session.waitFor("case-state", { contains: "已审核" });
    assert.equal(await session.text("case-reviewed-by"), reviewer.name);
    await logOut(session);
  });

  it("审批 is refused to the clerk who accepted the case", async () => {
    const { accepter } = CLERKS;
    await logIn(session, accepter.username, accepter.password);
    await openFrom("awaiting_approval");
    await session.waitFor("case-step");
    await session.click("case-pass");
    const refusal = await session.waitFor("case-error", { contains: "三名不同人员" });
    assert.match(refusal, /您已办理本案的受理环节，不能再审批/);
    assert.equal(await session.text("case-state"), "已审核", "nothing changed");
    await keepScreenshot(session, "workflow-refusal-on-screen");
    await logOut(session);
  });

  it("审批: a third clerk approves; the history names all three", async () => {
    const { accepter, reviewer, approver } = CLERKS;
    await logIn(session, approver.username, approver.password, { initial: approver.initial });
    await openFrom("awaiting_approval");
    await session.click("case-pass");
    await session.waitFor("case-state", { contains: "已审批" });
    assert.equal(await session.text("case-approved-by"), approver.name);
    const actors = await session.texts("history-line");
    for (const clerk of [accepter, reviewer, approver]) {
      assert.ok(actors.some((line) => line.includes(clerk.name)), `${clerk.name} is in the history: ${actors.join(" | ")}`);
    }
    assert.deepEqual(await session.attributes("history-line", "data-to"), [
      "draft",
      "accepted",
      "refused",
      "draft",
      "accepted",
      "reviewed",
      "approved",
    ]);
  });

  it("previews the filled form page by page, prints it through CUPS and audits the print", async () => {
    await session.waitFor("print-panel");
    await session.waitFor("print-printer", { contains: "PermitDeskPDF" });
    await session.clickCss('[data-testid="print-document"] option[value="form"]');
    await session.click("print-preview");
    await session.waitFor("preview", { timeoutMs: 30000 });
    await session.waitFor("preview-page", { timeoutMs: 15000 });
    assert.ok((await session.count("preview-page")) >= 1, "the preview draws the PDF's pages");
    await keepScreenshot(session, "workflow-print-preview");
    await session.click("print-submit");
    const done = await session.waitFor("print-done", { timeoutMs: 60000 });
    assert.match(done, /已打印互认转换申请表（作业 PermitDeskPDF-\d+，模板 form /);
    const audited = await session.waitFor("audit-line", { contains: "打印" });
    assert.match(audited, /打印机 PermitDeskPDF · 1 份 · 完成/, "the print is in the case's audit trail");
  });

  it("keeps the approved case queued while the platform is down, then syncs it and shows the permit number", async () => {
    // The stand-in is not running yet: the header says offline with records waiting.
    await session.waitFor("link-status", { contains: "离线", timeoutMs: 20000 });
    const queued = Number(await attribute("sync-queued", "data-count"));
    assert.ok(queued >= 3, `accept, review and approve wait to be sent (${queued})`);
    const url = new URL(process.env.PERMIT_DESK_PLATFORM_URL);
    stub = spawn(process.env.E2E_PLATFORM_STUB, [
      "--listen", url.host,
      "--db", join(session.dataDir, "stub.sqlite3"),
      "--permit-delay-ms", "300",
      "--enrolment-code", process.env.PERMIT_DESK_ENROLMENT_CODE,
    ], { stdio: "ignore" });
    // Sync now until the permit number has come back (the first sync sends, a later one
    // pulls the decision the stand-in makes 300 ms after receiving the approval).
    const deadline = Date.now() + 60000;
    let state = "";
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await session.click("sync-now");
      await session.click("case-back");
      await session.waitFor("worklist-not_synced");
      await session.clickCss(`[data-testid="worklist-drafts"]`);
      await session.waitFor("search-input");
      await session.clear("search-input");
      await session.type("search-input", "陈静\uE007");
      await session.waitFor("case-line");
      await session.clickCss(`[data-testid="case-line"][data-case-id="${caseId}"] td`);
      state = await session.waitFor("case-state");
      if (state === "已签发") break;
    }
    assert.equal(state, "已签发", "the platform's permit reached the case");
    assert.match(await session.text("case-permit-number"), /\S+/);
    await session.waitFor("link-status", { contains: "在线", timeoutMs: 20000 });
    await keepScreenshot(session, "workflow-synced-with-permit");
  });

  it("prints the confirmation slip in large print, takes it off 待打印确认单, and verifies its QR code", async () => {
    await session.waitFor("slip-wanted");
    // Issued to an applicant who needs the paper slip: the slip is what the case calls for.
    assert.equal(await session.value("print-document"), "slip");

    // A printer that jams mid-job, then a job cancelled at the printer (the private CUPS's
    // own failing backend): each ends in words and in the trail, and the slip stays owed.
    await session.clickCss('[data-testid="print-printer"] option[value="PermitDeskJam"]');
    await session.click("banner-print-slip");
    await session.waitFor("preview-page", { timeoutMs: 20000 });
    await session.click("print-submit");
    const jammed = await session.waitFor("print-error-in-preview", { contains: "Paper jam", timeoutMs: 60000 });
    assert.match(jammed, /打印任务 PermitDeskJam-\d+ 失败（Paper jam in tray 1）/);
    await keepScreenshot(session, "workflow-slip-jammed");
    await closePreviewDialog(session);
    assert.match(await session.waitFor("audit-line", { contains: "PermitDeskJam" }), /失败（PRINT_JOB_FAILED）/);
    assert.equal(await session.exists("slip-printed"), false, "a jammed slip is not in the applicant's hands");

    await session.clickCss('[data-testid="print-printer"] option[value="PermitDeskSlow"]');
    await session.click("banner-print-slip");
    await session.waitFor("preview-page", { timeoutMs: 20000 });
    await session.click("print-submit");
    await cancelAtThePrinter("PermitDeskSlow");
    assert.match(await session.waitFor("print-error-in-preview", { contains: "已被取消", timeoutMs: 30000 }), /没有打印/);
    await closePreviewDialog(session);
    assert.match(await session.waitFor("audit-line", { contains: "PermitDeskSlow" }), /失败（PRINT_JOB_CANCELED）/);
    assert.equal(await session.exists("slip-printed"), false);

    // The PDF printer paused at the server (out of paper, switched off by a colleague):
    // the job waits, the window says so and that it will follow it; the slip is still owed
    // and the header counts the held job. Once the printer is back the job prints by
    // itself, and the desk records it: the slip leaves 待打印确认单 without a reprint.
    const server = process.env.PERMIT_DESK_CUPS_SERVER;
    await session.clickCss('[data-testid="print-printer"] option[value="PermitDeskPDF"]');
    execFileSync("cupsdisable", ["-h", server, "-r", "out of paper", "PermitDeskPDF"]);
    try {
      await session.click("banner-print-slip");
      await session.waitFor("preview-page", { timeoutMs: 20000 });
      await session.click("print-submit");
      const stopped = await session.waitFor("print-error-in-preview", { contains: "已停止工作", timeoutMs: 30000 });
      assert.match(stopped, /打印机“PermitDeskPDF”已停止工作（out of paper）.*仍在排队.*打印完成时本程序会自动记下/);
      await closePreviewDialog(session);
      assert.equal(await session.exists("slip-printed"), false);
      const waiting = await session.waitFor("print-jobs-waiting", { timeoutMs: 15000 });
      assert.equal(waiting, "打印机排队 1");
      assert.match(await session.waitFor("audit-line", { contains: "排队" }), /在打印机排队（PRINT_JOB_STOPPED）/);
      await session.cmd("POST", "/execute/sync", { script: "window.scrollTo(0, 0)", args: [] });
      await keepScreenshot(session, "workflow-slip-held-by-a-stopped-printer");
    } finally {
      execFileSync("cupsenable", ["-h", server, "PermitDeskPDF"]);
    }
    const ended = await session.waitFor("print-jobs-ended", { contains: "已打印完成", timeoutMs: 60000 });
    assert.match(ended, /居住证确认单（打印任务 PermitDeskPDF-\d+，.*发送）已打印完成/);
    await session.waitFor("slip-printed", { timeoutMs: 15000 });
    // The case page reloaded with it (a 查阅 row of its own on top).
    const trailDeadline = Date.now() + 15000;
    let trail = [];
    while (Date.now() < trailDeadline) {
      trail = await session.texts("audit-line");
      if (trail.some((line) => line.includes("排队后"))) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.ok(trail.some((line) => /打印机 PermitDeskPDF · 1 份 · 排队后打印完成/.test(line)), trail.join("\n"));
    assert.equal(await session.exists("print-jobs-waiting"), false);
    await session.cmd("POST", "/execute/sync", { script: "window.scrollTo(0, 0)", args: [] });
    await keepScreenshot(session, "workflow-slip-printed-after-the-printer-came-back");
    const held = /PermitDeskPDF-(\d+)/.exec(ended)?.[1];
    assert.ok(held && (await waitForPrintedFile(held)), "the held job was printed");
    await session.click("print-jobs-ended-close");

    // A reprint, in large print, straight through.
    await session.clickCss('[data-testid="print-document"] option[value="slip"]');
    await session.clickCss('[data-testid="print-printer"] option[value="PermitDeskPDF"]');
    await session.click("print-large");
    await session.click("print-preview");
    await session.waitFor("preview");
    await session.waitFor("preview-page", { timeoutMs: 20000 });
    await keepScreenshot(session, "workflow-slip-preview");
    await session.click("print-submit");
    const done = await session.waitFor("print-done", { timeoutMs: 60000 });
    assert.match(done, /居住证确认单/);
    await session.waitFor("slip-printed");
    const audited = await session.waitFor("audit-line", { contains: "居住证确认单" });
    assert.match(audited, /打印机 PermitDeskPDF · 1 份 · 完成/);

    // The printed file, as cups-pdf wrote it, carries a QR code the office can check.
    const job = /PermitDeskPDF-(\d+)/.exec(done)?.[1];
    assert.ok(job, `the job number is shown: ${done}`);
    const pdf = await waitForPrintedFile(job);
    const pages = mkdtempSync(join(tmpdir(), "slip-png-"));
    execFileSync("pdftoppm", ["-r", "150", "-png", "-f", "1", "-l", "1", pdf, join(pages, "page")]);
    const png = readdirSync(pages).find((name) => name.endsWith(".png"));
    const payload = execFileSync("zbarimg", ["--raw", "-q", join(pages, png)], { encoding: "utf8" }).trim();
    assert.match(payload, /^PDSLIP1\|/);

    await session.click("case-back");
    await session.waitFor("worklist-count-issued_awaiting_slip");
    assert.equal(await session.text("worklist-count-issued_awaiting_slip"), "0", "printed: off the list");
    await session.click("slip-verify-open");
    await session.waitFor("slip-verify");
    await session.type("slip-verify-input", `${payload}\uE007`);
    const ok = await session.waitFor("slip-verify-ok", { timeoutMs: 15000 });
    assert.match(ok, /签名有效/);
    assert.match(ok, /陈静/);
    await keepScreenshot(session, "workflow-slip-verified");
    // The same code with one character changed is refused.
    const forged = payload.replace(/\|陈静\|/, "|陈晶|");
    await session.type("slip-verify-input", `${forged}\uE007`);
    await session.waitFor("slip-verify-error", { contains: "签名无效" });
    await session.click("slip-verify-close");
    await session.waitFor("home");
  });

  /** Cancels the jobs of `queue` at the print server (as a clerk would at the printer's
   *  panel), once the window's job has reached it. */
  async function cancelAtThePrinter(queue) {
    const server = process.env.PERMIT_DESK_CUPS_SERVER;
    assert.ok(server, "e2e.sh exports the private CUPS's address");
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      const jobs = execFileSync("lpstat", ["-h", server, "-o", queue], { encoding: "utf8" });
      if (jobs.includes(queue)) {
        execFileSync("cancel", ["-h", server, "-a", queue]);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`no job reached ${queue}`);
  }

  async function attribute(testid, name) {
    const values = await session.attributes(testid, name);
    return values[0];
  }

  it("locks the screen and asks the same clerk's password again", async () => {
    await session.click("lock");
    await session.waitFor("login-locked");
    assert.equal(await session.exists("case"), false, "no personal data stays on a locked screen");
    await session.type("login-password", "wrong-password");
    await session.click("login-submit");
    await session.waitFor("login-error", { contains: "用户名或密码不正确" });
    await session.type("login-password", CLERKS.approver.password);
    await session.click("login-submit");
    await session.waitFor("home", { timeoutMs: 20000 });
    assert.match(await session.text("current-clerk"), new RegExp(CLERKS.approver.name));
  });

  it("台账: today's register lists the application, issued within its deadline, with the counts by clerk", async () => {
    await session.click("open-ledger");
    await session.waitFor("ledger-summary", { timeoutMs: 15000 });
    assert.equal(await attribute("ledger-total", "data-count"), "1");
    assert.equal(await attribute("ledger-late", "data-count"), "0");
    assert.equal(await attribute("ledger-line", "data-state"), "issued");
    assert.equal(await attribute("ledger-line", "data-deadline"), "met");
    assert.match(await session.text("ledger-line"), /33018201-\d{8}-0001.*陈静.*居住登记时间互认.*王受理.*已签发.*按期办结/);
    assert.match(await session.text("ledger-by-clerk"), /王受理：1/);
    await new Promise((resolve) => setTimeout(resolve, 800)); // the window's paint catches up
    await keepScreenshot(session, "workflow-ledger");

    // A line opens its case.
    await session.clickCss('[data-testid="ledger-line"] td:nth-child(2)');
    await session.waitFor("case-state", { contains: "已签发" });
    await session.click("case-back");
    await session.waitFor("home");
  });
});
