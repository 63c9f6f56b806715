// Several desks, one office (issue 17): the counter PC accepts a case in the app's window;
// then the office is served by permit-desk-server, and two clerks at two browser desks
// (Debian's Chromium, driven by chromedriver) are logged in at once: one reviews, the
// other approves, each seeing the other's work. Sessions live on the server.
import { execFileSync, spawn } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN,
  addClerks,
  fillJiandeApplication,
  keepScreenshot,
  logIn,
  logOut,
  mountStick,
  placeCard,
  scanFromTestDevice,
  setUpOffice,
  startApp,
  submitAndConfirm,
  waitForValue,
  watchFolderOnStick,
} from "./harness.mjs";
import { Session } from "./webdriver.mjs";

const CLERKS = {
  accepter: { username: "wang", name: "王受理", roles: ["accept"], initial: "wang-first-1", password: "wang-pass-1" },
  reviewer: { username: "li", name: "李审核", roles: ["review"], initial: "li-first-12", password: "li-pass-12" },
  approver: { username: "zhao", name: "赵审批", roles: ["approve"], initial: "zhao-first-1", password: "zhao-pass-1" },
};

const serverBinary = process.env.E2E_SERVER ?? join(dirname(process.env.E2E_APPLICATION ?? ""), "permit-desk-server");

/** Starts a program and resolves with it once a line of its stdout matches `ready`. */
function startAndWait(command, args, ready, { input = null, stderrTo = null } = {}) {
  return new Promise((resolveStart, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${seen}`)), 20000);
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = ready.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolveStart({ child, match });
      }
    });
    child.stderr.on("data", (chunk) => stderrTo?.push(String(chunk)));
    child.on("exit", (code) => reject(new Error(`${command} exited with ${code}: ${seen}`)));
    if (input !== null) child.stdin.end(input);
  });
}

describe("two browser desks review and approve at the office server", () => {
  let app;
  let dataDir;
  let server;
  let driver;
  let fingerprint;
  let serverUrl;
  let stub;
  const desks = {};
  /** The app's window on a second PC, joined to the server as a desk. */
  let joined = null;
  const serverLog = [];
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    for (const desk of Object.values(desks)) await desk.quit().catch(() => {});
    await joined?.quit().catch(() => {});
    await app?.quit().catch(() => {});
    driver?.kill();
    stub?.kill();
    if (server) {
      const exited = new Promise((done) => server.on("exit", (code) => done(code)));
      server.kill("SIGTERM");
      assert.equal(await exited, 0, "the server logs the desks out and closes the office on SIGTERM");
      // The server's log joins the app's, so the run's search for personal data covers it.
      mkdirSync(join(dataDir, "logs"), { recursive: true });
      writeFileSync(join(dataDir, "logs", "permit-desk-server.log"), serverLog.join(""));
    }
  });
  afterEach(async (t) => {
    for (const [name, desk] of Object.entries(desks)) await keepScreenshot(desk, `browser-desk-${name}-${t.name}`);
    if (joined) await keepScreenshot(joined, `joined-desk-${t.name}`).catch(() => {});
  });

  it("受理 at the counter PC's window", async () => {
    await setUpOffice(app);
    await addClerks(app, Object.values(CLERKS));
    await logOut(app);
    const { accepter } = CLERKS;
    await logIn(app, accepter.username, accepter.password, { initial: accepter.initial });
    await app.click("new-application");
    await app.waitFor("intake");
    await fillJiandeApplication(app, { name: "陈静", phone: null });
    await app.waitFor("assessment-decision", { contains: "符合受理条件" });
    assert.equal(await submitAndConfirm(app), "受理");
    await logOut(app);
    // The counter PC's window closes; from now on the office is the server's.
    dataDir = app.dataDir;
    await app.quit();
    app = null;
  });

  it("the office server opens the office and serves the window to browsers", async () => {
    const started = await startAndWait(
      serverBinary,
      ["--data-dir", join(dataDir, "db"), "--listen", "127.0.0.1:0", "--user", ADMIN.username, "--ui-dir", resolve("ui/dist"), "--platform-url", process.env.PERMIT_DESK_PLATFORM_URL, "--enrolment-code", process.env.PERMIT_DESK_ENROLMENT_CODE],
      /SHA-256 指纹 \(fingerprint\): ([0-9A-F:]+)\s+permit-desk-server listening on (https:\/\/127\.0\.0\.1:\d+)/,
      { input: `${ADMIN.password}\n`, stderrTo: serverLog },
    );
    server = started.child;
    const [, printed, url] = started.match;
    fingerprint = printed;
    serverUrl = url;
    // The office CA the server wrote beside the office, as an administrator installs it in
    // each browser after comparing the fingerprint the server printed.
    const ca = new X509Certificate(readFileSync(join(dataDir, "db", "office-ca.pem")));
    assert.equal(ca.fingerprint256, fingerprint, "the fingerprint printed is the CA written");
    const trustSpki = createHash("sha256").update(ca.publicKey.export({ type: "spki", format: "der" })).digest("base64");
    const driverPort = Number(process.env.E2E_CHROMEDRIVER_PORT ?? 9515);
    driver = (await startAndWait("chromedriver", [`--port=${driverPort}`], /started successfully/)).child;
    const profile = (name) => mkdtempSync(join(process.env.E2E_DATA_ROOT ?? tmpdir(), `chromium-${name}-`));
    desks.reviewer = await Session.startBrowser({ port: driverPort, url, profileDir: profile("reviewer"), trustSpki });
    desks.approver = await Session.startBrowser({ port: driverPort, url, profileDir: profile("approver"), trustSpki });
    for (const desk of Object.values(desks)) await desk.waitFor("login", { timeoutMs: 20000 });
  });

  it("审核 and 审批 at two browser desks, both clerks logged in at once", async () => {
    const { accepter, reviewer, approver } = CLERKS;
    await logIn(desks.reviewer, reviewer.username, reviewer.password, { initial: reviewer.initial });
    await logIn(desks.approver, approver.username, approver.password, { initial: approver.initial });
    assert.match(await desks.reviewer.text("current-clerk"), /李审核/);
    assert.match(await desks.approver.text("current-clerk"), /赵审批/);
    // A browser desk says what it is and offers none of the counter PC's devices.
    assert.equal(await desks.reviewer.text("browser-desk"), "浏览器办理台");
    assert.equal(await desks.reviewer.exists("applicant-screen-toggle"), false);
    // Nor what needs the office's own keys and files (an approver would see these there).
    await desks.approver.waitFor("open-ledger");
    for (const button of ["open-transfer", "open-quarantine", "slip-verify-open"]) {
      assert.equal(await desks.approver.exists(button), false, `${button} at a browser desk`);
    }

    const open = async (desk, list) => {
      await desk.click(`worklist-${list}`);
      await desk.waitFor("case-line");
      await desk.clickCss('[data-testid="case-line"] td');
      await desk.waitFor("case-name");
    };
    await open(desks.reviewer, "awaiting_review");
    assert.equal(await desks.reviewer.text("case-name"), "陈静");
    await desks.reviewer.waitFor("case-assessment", { contains: "符合受理条件", timeoutMs: 15000 });
    await keepScreenshot(desks.reviewer, "browser-desk-review");
    await desks.reviewer.waitFor("case-step");
    await desks.reviewer.type("case-opinion", "\uE009\uE007"); // Ctrl+Enter signs with the opinion as written
    await desks.reviewer.waitFor("case-state", { contains: "已审核" });

    // The other desk sees the reviewer's work as soon as it asks.
    await open(desks.approver, "awaiting_approval");
    assert.equal(await desks.approver.text("case-reviewed-by"), reviewer.name);
    await desks.approver.click("case-pass");
    await desks.approver.waitFor("case-state", { contains: "已审批" });
    assert.equal(await desks.approver.text("case-approved-by"), approver.name);
    const history = await desks.approver.texts("history-line");
    for (const clerk of [accepter, reviewer, approver]) {
      assert.ok(history.some((line) => line.includes(clerk.name)), `${clerk.name} in the history: ${history.join(" | ")}`);
    }
    await keepScreenshot(desks.approver, "browser-desk-approve");
  });

  it("a log-out at one desk leaves the other logged in, and the server refuses the old session", async () => {
    await logOut(desks.reviewer);
    await desks.approver.click("case-back");
    await desks.approver.waitFor("worklist-awaiting_approval");
    assert.match(await desks.approver.text("current-clerk"), /赵审批/);
    // The page's own requests, replayed after the log-out, are refused by the server.
    const answer = await desks.reviewer.cmd("POST", "/execute/async", {
      script:
        "const done = arguments[arguments.length - 1]; fetch('/api/worklist_counts', {method: 'POST', body: '{}'}).then(async (r) => done([r.status, await r.text()]));",
      args: [],
    });
    assert.equal(answer[0], 401, answer[1]);
    assert.match(answer[1], /NOT_LOGGED_IN/);
  });

  it("受理 at a browser desk: the form's pickers, ID-number check and live assessment come from the server", async () => {
    const { accepter, reviewer } = CLERKS;
    await logOut(desks.approver);
    await logIn(desks.approver, accepter.username, accepter.password);
    // The reviewer, at the other browser desk, is looking at an empty 待审核 list.
    await logIn(desks.reviewer, reviewer.username, reviewer.password);
    await desks.reviewer.waitFor("worklist-awaiting_review");
    await desks.approver.click("new-application");
    await desks.approver.waitFor("intake");
    await fillJiandeApplication(desks.approver, { idNumber: "341203198506121236", name: "刘洋", phone: "13912345678" });
    await desks.approver.waitFor("assessment-decision", { contains: "符合受理条件" });
    // A proof from the desk's own files: the browser reads it, the server normalises and
    // attaches it.
    await desks.approver.waitFor("save-state", { contains: "已自动保存" });
    const proof = join(dataDir, "劳动合同.jpg");
    execFileSync("convert", ["-size", "1200x1600", "gradient:white-gray80", proof]);
    await desks.approver.waitFor("scan-file");
    await desks.approver.sendFile("scan-file", proof);
    await desks.approver.waitFor("scan-page", { timeoutMs: 30000 });
    await keepScreenshot(desks.approver, "browser-desk-intake");
    assert.equal(await submitAndConfirm(desks.approver, { closePreview: false }), "受理");
    await desks.approver.waitFor("case-state", { contains: "已受理" });
    assert.equal(await desks.approver.text("case-name"), "刘洋");
    // The receipt's preview is the server's PDF; 打印 hands it to the browser (a new tab
    // with its PDF viewer) and the server records it as sent there.
    await desks.approver.waitFor("preview", { timeoutMs: 30000 });
    await keepScreenshot(desks.approver, "browser-desk-receipt-preview");
    assert.equal(await desks.approver.text("print-submit"), "用浏览器打印");
    // Drawn first: a click while the page draws the PDF can be lost on a loaded machine
    // (CI's cold run lost this one once).
    await desks.approver.waitFor("preview-page", { timeoutMs: 20000 });
    const tabsBefore = (await desks.approver.cmd("GET", "/window/handles")).length;
    await desks.approver.click("print-submit");
    await desks.approver.waitFor("print-done", { contains: "已发送到浏览器打印", timeoutMs: 30000 });
    assert.equal((await desks.approver.cmd("GET", "/window/handles")).length, tabsBefore + 1, "the PDF opened in a new tab");
    await keepScreenshot(desks.approver, "browser-desk-accepted");
    await logOut(desks.approver);
    // Without touching anything, the reviewer's list now holds the new case (the server's
    // event stream).
    await desks.reviewer.waitFor("case-line", { contains: "刘洋", timeoutMs: 5000 });
    // The province's platform comes within reach (the stand-in, started now on the address
    // the office knows): the server syncs the office's queue as the window did, and the
    // browser desk's header says so after 立即同步.
    const platform = new URL(process.env.PERMIT_DESK_PLATFORM_URL);
    stub = spawn(process.env.E2E_PLATFORM_STUB, [
      "--listen", platform.host,
      "--db", join(dataDir, "stub.sqlite3"),
      "--enrolment-code", process.env.PERMIT_DESK_ENROLMENT_CODE,
    ], { stdio: "ignore" });
    const deadline = Date.now() + 30000;
    while (!(await desks.reviewer.text("link-status")).includes("在线") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await desks.reviewer.click("sync-now");
    }
    await desks.reviewer.waitFor("link-status", { contains: "在线", timeoutMs: 5000 });
    await keepScreenshot(desks.reviewer, "browser-desk-live-worklist");

    // The case page open at one desk while the same step is signed at another: the page
    // is brought up to date and says so, so nobody signs a case that has moved on.
    await desks.reviewer.clickCss('[data-testid="case-line"] td');
    await desks.reviewer.waitFor("case-state", { contains: "已受理" });
    await logIn(desks.approver, reviewer.username, reviewer.password);
    await desks.approver.click("worklist-awaiting_review");
    await desks.approver.waitFor("case-line", { contains: "刘洋" });
    await desks.approver.clickCss('[data-testid="case-line"] td');
    await desks.approver.waitFor("case-step");
    await desks.approver.type("case-opinion", "\uE009\uE007");
    await desks.approver.waitFor("case-state", { contains: "已审核" });
    await desks.reviewer.waitFor("case-changed-elsewhere", { contains: "已审核", timeoutMs: 5000 });
    assert.match(await desks.reviewer.text("case-state"), /已审核/);
    await keepScreenshot(desks.reviewer, "browser-desk-changed-elsewhere");
    await logOut(desks.approver);
    await logOut(desks.reviewer);
  });

  it("an administrator at a browser desk gives a new PC its one-time code to join", async () => {
    await logIn(desks.reviewer, ADMIN.username, ADMIN.password);
    await desks.reviewer.click("open-join-code");
    await desks.reviewer.waitFor("join-code-digits");
    assert.match(await desks.reviewer.text("join-code-digits"), /^\d{4} \d{4}$/);
    // The fingerprint to compare on the new PC is the one the server printed at its start.
    assert.equal((await desks.reviewer.text("join-code-fingerprint")).replace(/\s+/g, ":"), fingerprint);
    await keepScreenshot(desks.reviewer, "browser-desk-join-code");
    // Nobody but an administrator sees the button; the previous clerk's 密码已修改 notice is
    // not shown to the next one.
    assert.equal(await desks.approver.exists("open-join-code"), false);
    assert.equal(await desks.reviewer.exists("password-changed"), false);
    await desks.reviewer.click("join-code-close");
    // 办理点信息 is served: the office's details and policy dates; its printer, keys and
    // diagnostics stay with the PC that keeps the office, and the page says so. 备份 is the
    // server's: it writes the backup beside its office while the desks work.
    assert.equal(await desks.approver.exists("open-office"), false);
    await desks.reviewer.click("open-office");
    await desks.reviewer.waitFor("office-form");
    await desks.reviewer.waitFor("office-at-desk");
    assert.equal(await desks.reviewer.exists("office-print"), false);
    assert.equal(await desks.reviewer.exists("backup-places"), false, "no stick to pick at a desk");
    await desks.reviewer.click("backup-start");
    const made = await desks.reviewer.waitFor("backup-made", { contains: "已在办理点服务器上备份到", timeoutMs: 30000 });
    const backupFile = made.match(/备份到 (\S+\.backup)/)?.[1];
    assert.ok(backupFile && existsSync(backupFile), `the backup file is on the server's disk: ${made}`);
    assert.equal(dirname(backupFile), join(dataDir, "db", "backups"));
    await keepScreenshot(desks.reviewer, "browser-desk-office");
    await desks.reviewer.click("office-back");
    // 人员管理 is served: the administrator sees the office's clerks from this desk.
    await desks.reviewer.click("open-clerks");
    await desks.reviewer.waitFor("clerk-form");
    assert.match(await desks.reviewer.text("clerks"), /李审核/);
    await keepScreenshot(desks.reviewer, "browser-desk-clerks");
    await desks.reviewer.click("clerks-back").catch(() => {});
  });

  it("three desks at once: a second PC's window joins with the code (after comparing the fingerprint), accepts, scans and prints; two browser desks review and approve", async () => {
    const { accepter, reviewer } = CLERKS;
    // The administrator's browser desk gives a code.
    await desks.reviewer.click("open-join-code");
    await desks.reviewer.waitFor("join-code-digits");
    const code = await desks.reviewer.text("join-code-digits");
    await desks.reviewer.click("join-code-close");
    await logOut(desks.reviewer);

    // A new PC: the window's first run offers 加入办理点 beside 新建办理点.
    joined = await startApp();
    await joined.waitFor("setup");
    await joined.click("setup-mode-join");
    await joined.type("join-address", serverUrl.replace("https://", ""));
    await joined.click("join-probe");
    await joined.waitFor("join-fingerprint");
    // What the clerk compares with the administrator's screen: the CA the server printed.
    assert.equal((await joined.text("join-fingerprint")).replace(/[^0-9A-F]/g, ""), fingerprint.replace(/:/g, ""));
    await joined.type("join-code-input", code);
    await joined.type("join-desk-name", "二号窗口");
    await joined.click("join-fingerprint-same");
    await keepScreenshot(joined, "joined-desk-compare");
    await joined.click("join-submit");
    // The window starts again as a desk of the server: the server's clerks log in here.
    await joined.waitFor("login-joined", { contains: "二号窗口", timeoutMs: 20000 });
    const deskFile = join(joined.dataDir, "desk.json");
    assert.equal(statSync(deskFile).mode & 0o777, 0o600, "the desk's key is its own");
    await logIn(joined, accepter.username, accepter.password);
    assert.equal(await joined.text("joined-desk"), "办理台 · 二号窗口");
    // This PC's screen facing the applicant, as at the office's own PC: its shell shows it.
    const clerkWindow = await joined.windowHandle();
    await joined.click("applicant-screen-toggle");
    const applicantWindow = await joined.waitForNewWindow([clerkWindow]);
    await joined.switchToWindow(clerkWindow);

    // The reviewer, at a browser desk, waits on an empty 待审核 list.
    await logIn(desks.approver, reviewer.username, reviewer.password);
    await desks.approver.waitFor("worklist-awaiting_review");

    // 受理 at the joined window: the form, the ID check and the assessment are the server's.
    await joined.click("new-application");
    await joined.waitFor("intake");
    await fillJiandeApplication(joined, { idNumber: "341203199208151239", name: "周敏", phone: "13812345678" });
    await joined.waitFor("assessment-decision", { contains: "符合受理条件" });
    // A proof from this PC's own scanner (SANE's test device): scanned here, checked and
    // stored by the server; and one from its files, attached as a browser desk's is.
    await joined.waitFor("save-state", { contains: "已自动保存" });
    await scanFromTestDevice(joined, { evidence: "employment.labour_contract", pages: 1 });
    const proof = join(joined.dataDir, "租赁合同.jpg");
    execFileSync("convert", ["-size", "1200x1600", "gradient:white-gray70", proof]);
    await joined.clickCss('[data-testid="scan-source"] option[value="__file__"]');
    await joined.clickCss('[data-testid="scan-evidence"] option[value="residence.rental.lease_contract"]');
    await joined.waitFor("scan-file");
    await joined.sendFile("scan-file", proof);
    for (const deadline = Date.now() + 30000; (await joined.count("scan-page")) < 2 && Date.now() < deadline; ) {
      await new Promise((wait) => setTimeout(wait, 300));
    }
    const linked = await joined.attributes("scan-page", "data-evidence");
    assert.deepEqual(linked.sort(), ["employment.labour_contract", "residence.rental.lease_contract"]);
    assert.equal(await joined.exists("scan-error"), false);
    // And one a scanner saved into this PC's watched folder (on a stick, picked, never
    // typed): uploaded as it lies, stored by the server, the file moved aside here.
    const drive = mountStick("E2E-DESK-SCANNER-");
    try {
      mkdirSync(join(drive.path, "扫描件"));
      const folder = await watchFolderOnStick(joined, drive, "扫描件");
      copyFileSync("docs/examples/rendered/slip.png", join(folder, "scan-0001.png"));
      for (const deadline = Date.now() + 30000; (await joined.count("scan-page")) < 3 && Date.now() < deadline; ) {
        await new Promise((wait) => setTimeout(wait, 300));
      }
      assert.equal(await joined.count("scan-page"), 3, "the watched folder's page is in the case");
      await joined.waitFor("scan-folder-watching", { contains: "文件数：1", timeoutMs: 10000 });
      assert.ok(existsSync(join(folder, "imported", "scan-0001.png")), "the uploaded file is moved aside");
      await keepScreenshot(joined, "joined-desk-watched-folder");
    } finally {
      // Leave the folder source first so the window stops polling the drive.
      await joined.clickCss('[data-testid="scan-source"] option[value="__file__"]');
      drive.remove();
    }
    // The applicant checks the form on their screen (确认无误) before the clerk can submit.
    await joined.waitFor("save-state", { contains: "已自动保存" });
    await joined.click("f-submit");
    await joined.waitFor("confirm-submit-waiting");
    await joined.switchToWindow(applicantWindow);
    assert.match(await joined.waitFor("applicant-confirm-request", { timeoutMs: 10000 }), /将予受理/);
    assert.match(await joined.text("applicant-screen"), /341203\*{8}1239/, "the ID number masked");
    await joined.click("applicant-confirm");
    await joined.waitFor("applicant-confirmed");
    await joined.switchToWindow(clerkWindow);
    await joined.waitFor("confirm-submit-applicant-ok", { timeoutMs: 5000 });
    await joined.click("confirm-submit-yes");
    await joined.waitFor("case", { timeoutMs: 15000 });
    await joined.waitFor("case-state", { contains: "已受理" });
    // The receipt: rendered by the server, printed on this PC's own printer (its CUPS),
    // and recorded at the server with the job this printer gave.
    await joined.waitFor("preview", { timeoutMs: 30000 });
    await joined.waitFor("print-printer", { contains: "PermitDeskPDF" });
    // Drawn first: a click while the window draws the PDF can be lost on a loaded machine.
    await joined.waitFor("preview-page", { timeoutMs: 20000 });
    await joined.click("print-submit");
    assert.match(await joined.waitFor("print-done", { timeoutMs: 60000 }), /已打印受理回执（作业 PermitDeskPDF-\d+/);
    const printedLine = async () => (await joined.texts("audit-line").catch(() => [])).find((line) => line.includes("打印机 PermitDeskPDF"));
    for (const deadline = Date.now() + 10000; !(await printedLine()) && Date.now() < deadline; ) {
      await new Promise((wait) => setTimeout(wait, 300));
    }
    assert.match((await printedLine()) ?? "(no print in the case's audit)", /打印机 PermitDeskPDF · 1 份 · 完成/);
    await keepScreenshot(joined, "joined-desk-accepted");
    // The applicant rates the visit on their screen (好差评): relayed by the shell to the
    // server, kept with the case, by the clerk who served; then the screen is turned off.
    await joined.switchToWindow(applicantWindow);
    assert.match(await joined.waitFor("applicant-decision"), /已受理/);
    await joined.click("rate-very_satisfied");
    await joined.click("rate-submit");
    assert.match(await joined.waitFor("applicant-rated"), /非常满意/);
    await keepScreenshot(joined, "joined-desk-applicant-rated");
    await joined.switchToWindow(clerkWindow);
    const ratedLine = async () => (await joined.texts("audit-line").catch(() => [])).find((line) => line.includes("好差评"));
    for (const deadline = Date.now() + 10000; !(await ratedLine()) && Date.now() < deadline; ) {
      await new Promise((wait) => setTimeout(wait, 300));
    }
    assert.match((await ratedLine()) ?? "(no rating in the case's audit)", new RegExp(`好差评）${accepter.username}非常满意`));
    await joined.click("applicant-screen-toggle");
    // Nothing of the case is on the desk's disk: no office store was made there.
    const dbDir = join(joined.dataDir, "db");
    assert.deepEqual(existsSync(dbDir) ? readdirSync(dbDir) : [], [], "a desk keeps no office");

    // The browser desk's list shows it without a click; the reviewer signs, and the case
    // page open at the joined window follows (the shell reads the server's events).
    await desks.approver.waitFor("case-line", { contains: "周敏", timeoutMs: 5000 });
    await desks.approver.clickCss('[data-testid="case-line"] td');
    await desks.approver.waitFor("case-step");
    await desks.approver.type("case-opinion", "\uE009\uE007");
    await desks.approver.waitFor("case-state", { contains: "已审核" });
    await joined.waitFor("case-changed-elsewhere", { contains: "已审核", timeoutMs: 8000 });
    // The approver, at the other browser desk, approves it; the joined window follows again.
    const { approver } = CLERKS;
    await logIn(desks.reviewer, approver.username, approver.password);
    await desks.reviewer.click("worklist-awaiting_approval");
    for (const deadline = Date.now() + 10000; Date.now() < deadline; ) {
      if ((await desks.reviewer.texts("case-line").catch(() => [])).some((line) => line.includes("周敏"))) break;
      await new Promise((wait) => setTimeout(wait, 300));
    }
    await desks.reviewer.cmd("POST", "/execute/sync", {
      script:
        "const row = [...document.querySelectorAll('[data-testid=\"case-line\"]')].find((line) => line.textContent.includes(arguments[0])); row.querySelector('td').click();",
      args: ["周敏"],
    });
    await desks.reviewer.waitFor("case-name", { contains: "周敏" });
    await desks.reviewer.click("case-pass");
    await desks.reviewer.waitFor("case-state", { contains: "已审批" });
    await joined.waitFor("case-changed-elsewhere", { contains: "已审批", timeoutMs: 8000 });
    assert.equal(await joined.text("case-approved-by"), approver.name);
    for (const desk of [joined, desks.reviewer]) await desk.cmd("POST", "/execute/sync", { script: "window.scrollTo(0, 0);", args: [] });
    await keepScreenshot(joined, "joined-desk-followed");
    await keepScreenshot(desks.reviewer, "joined-desk-browser-beside");
    // Side by side, as two clerks at two PCs see the same case.
    const shots = resolve("artifacts/e2e");
    execFileSync("convert", [
      join(shots, "joined-desk-followed.png"),
      join(shots, "joined-desk-browser-beside.png"),
      "-resize", "x900", "+append", join(shots, "desks-side-by-side.png"),
    ]);
    // This PC's own card reader fills a new form at the joined desk, as at the office's PC.
    await joined.click("case-back");
    await joined.waitFor("card-reader-status", { contains: "读卡器已连接", timeoutMs: 15000 });
    await joined.click("new-application");
    await joined.waitFor("intake");
    placeCard("card");
    await waitForValue(joined, "f-name", /^陈静$/);
    placeCard("none");
    assert.equal(await joined.value("id-number-input"), "341203199003071227");
    await keepScreenshot(joined, "joined-desk-card-read");

    await logOut(desks.approver);
    await logOut(desks.reviewer);
    await logOut(joined);

    // An administrator removes the joined PC from the office (人员管理 → 办理台): its next
    // request is refused, and the window says what to do.
    await logIn(desks.reviewer, ADMIN.username, ADMIN.password);
    await desks.reviewer.click("open-clerks");
    await desks.reviewer.waitFor("desk-line", { contains: "二号窗口" });
    await desks.reviewer.cmd("POST", "/execute/sync", { script: "document.querySelector('[data-testid=\"desks\"]').scrollIntoView();", args: [] });
    await keepScreenshot(desks.reviewer, "browser-desk-desks");
    await desks.reviewer.click("desk-remove-二号窗口");
    await desks.reviewer.waitFor("confirm-desk-remove");
    await desks.reviewer.click("confirm-desk-remove-yes");
    await desks.reviewer.waitFor("desks-notice", { contains: "已将「二号窗口」移出办理点" });
    await joined.type("login-username", accepter.username);
    await joined.type("login-password", accepter.password);
    await joined.click("login-submit");
    assert.match(await joined.waitFor("login-error"), /已被管理员移出办理点/);
    await keepScreenshot(joined, "joined-desk-removed");
    // As the sentence says: 退出办理点 (after a confirm) makes it a PC with no office again,
    // its key and certificate deleted, ready to join anew.
    await joined.click("leave-office");
    await joined.waitFor("leave-office-confirm");
    await joined.click("leave-office-yes");
    await joined.waitFor("setup-mode-join", { timeoutMs: 20000 });
    assert.equal(existsSync(deskFile), false, "the desk's key and certificate are gone");
  });
});
