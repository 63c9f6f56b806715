// Shared set-up for the end-to-end tests: one app session per test file, each with its
// own fresh data directory (`--data-dir`), a screenshot of the window kept as an artefact
// for every test, whatever its outcome, and the office steps most tests start with.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { Session } from "./webdriver.mjs";

export const artifactsDir = resolve(process.env.E2E_ARTIFACTS ?? "artifacts/e2e");
mkdirSync(artifactsDir, { recursive: true });

/** Starts the app on a new, empty data directory (first-run set-up is showing), or on
 *  `dataDir` when a test prepared one. */
export async function startApp({ dataDir = null } = {}) {
  const application = process.env.E2E_APPLICATION;
  if (!application) throw new Error("E2E_APPLICATION must point at the built permit-desk binary");
  const port = Number(process.env.E2E_DRIVER_PORT ?? 4444);
  dataDir ??= mkdtempSync(join(process.env.E2E_DATA_ROOT ?? tmpdir(), "app-"));
  const session = await Session.start({ port, application, args: ["--data-dir", dataDir] });
  session.dataDir = dataDir;
  return session;
}

/** The scan panel's source set to 监视文件夹 and `folder` (a folder at the top of `drive`,
 *  a stick from `mountStick`) opened in its picker, as a clerk does, never typed; then
 *  watched. Returns the folder's path. */
export async function watchFolderOnStick(session, drive, folder, { screenshot = null } = {}) {
  await session.clickCss('[data-testid="scan-source"] option[value="__folder__"]');
  await session.waitFor("scan-folder-picker");
  await session.click("scan-folder-refresh");
  // The list is read again asynchronously: wait for the drive, then for its folder.
  await session.waitFor(`scan-folder-place-${drive.label}`, { contains: drive.label });
  await session.click(`scan-folder-place-${drive.label}`);
  await session.waitFor(`scan-folder-folder-${folder}`, { contains: folder });
  await session.click(`scan-folder-folder-${folder}`);
  await session.waitFor("scan-folder-location", { contains: `${drive.label} / ${folder}` });
  if (screenshot) await keepScreenshot(session, screenshot);
  await session.click("scan-folder-choose");
  const path = join(drive.path, folder);
  await session.waitFor("scan-folder-watching", { contains: path, timeoutMs: 20000 });
  return path;
}

/** A USB stick as the desktop mounts one: a small tmpfs under /media/$USER (the tests run
 *  as root). `label` is what the window lists; `pull()` unmounts it (the folder stays, as
 *  on systems that leave it); `remove()` cleans up whatever happened. */
export function mountStick(prefix = "E2E-STICK-", size = "4m") {
  const media = join("/media", process.env.USER ?? "root");
  mkdirSync(media, { recursive: true });
  const path = mkdtempSync(join(media, prefix));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "e2e-stick", path]);
  return {
    path,
    label: basename(path),
    pull: () => execFileSync("umount", [path]),
    remove: () => {
      try {
        execFileSync("umount", ["-l", path], { stdio: "ignore" });
      } catch {
        // already pulled by the test
      }
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Puts `what` on the simulated ID-card reader (scripts/e2e.sh starts it): `card` (陈静's
 *  resident ID card), `expired` (the same, expired on 2025-12-01), `none` (lifted),
 *  `lifted` (taken away mid-read), `damaged`, `silent`. */
export function placeCard(what) {
  const control = process.env.E2E_IDCARD_CONTROL;
  if (!control) throw new Error("E2E_IDCARD_CONTROL is not set: run the tests through scripts/e2e.sh");
  writeFileSync(control, `${what}\n`);
}

/** The PDF cups-pdf wrote for job `id` (`Out` in /etc/cups/cups-pdf.conf, per user). */
export async function waitForPrintedFile(id) {
  const conf = existsSync("/etc/cups/cups-pdf.conf") ? readFileSync("/etc/cups/cups-pdf.conf", "utf8") : "";
  const out = (/^Out\s+(.+)$/m.exec(conf)?.[1] ?? "/var/spool/cups-pdf/${USER}").trim();
  const user = process.env.USER ?? "root";
  const dir = out.replace("${USER}", user).replace("${HOME}", process.env.HOME ?? "/root");
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    if (existsSync(dir)) {
      const found = readdirSync(dir)
        .filter((name) => name.endsWith(`job_${id}.pdf`))
        .map((name) => join(dir, name))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
      if (found.length) return found[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`cups-pdf wrote no file for job ${id} in ${dir}`);
}

/** Polls `read()` until `done(value)` holds (what the window shows settles after live
 *  work, such as the assessment while the form is typed, catches up). */
export async function until(read, done, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`never got to: ${what}; last: ${JSON.stringify(last)}`);
}

/** Saves the window as `<name>.png` in the artefacts folder. */
export async function keepScreenshot(session, name) {
  const png = await session.screenshot();
  const file = join(artifactsDir, `${name.replace(/[^\w\u4e00-\u9fff-]+/g, "_")}.png`);
  writeFileSync(file, Buffer.from(png, "base64"));
  return file;
}

export const ADMIN = { username: "admin", password: "admin-pass-1" };

export const OFFICE = { county: "330182", station: "01", name: "建德市公安局新安江派出所" };

/** First-run set-up through the window: the office's county from the division list, its
 *  station number, name, address and phone; the administrator also holds `roles`.
 *  `beforeSubmit` may fill in more (the print settings) before the form is sent. */
export async function setUpOffice(session, roles = [], { beforeSubmit = null } = {}) {
  await session.waitFor("setup");
  await pick(session, "setup-county", "建德", OFFICE.county);
  await session.type("setup-station", OFFICE.station);
  await session.type("setup-name", OFFICE.name);
  await session.type("setup-address", "浙江省杭州市建德市新安江街道府前路1号");
  await session.type("setup-phone", "0571-64780000");
  await session.clear("setup-username");
  await session.type("setup-username", ADMIN.username);
  await session.type("setup-password", ADMIN.password);
  await session.type("setup-password-again", ADMIN.password);
  for (const role of roles) await session.click(`setup-role-${role}`);
  if (beforeSubmit) await beforeSubmit();
  await session.click("setup-submit");
  await session.waitFor("home", { timeoutMs: 20000 });
}

/** Logs in through the log-in screen and waits for the home screen. A clerk's first
 *  log-in with the password an administrator set (`initial`) goes through the forced
 *  修改密码 dialog, choosing `password`, before the home screen. */
export async function logIn(session, username, password, { initial = null } = {}) {
  await session.waitFor("login");
  await session.clear("login-username");
  await session.type("login-username", username);
  await session.type("login-password", initial ?? password);
  await session.click("login-submit");
  if (initial !== null) {
    await session.waitFor("password-forced", { timeoutMs: 20000 });
    await session.type("password-old", initial);
    await session.type("password-new", password);
    await session.type("password-again", password);
    await session.click("password-submit");
  }
  await session.waitFor("home", { timeoutMs: 20000 });
}

/** Adds each clerk through 人员管理 (the administrator is logged in): user name, name, the
 *  password the administrator gives (`initial`) and the roles. */
export async function addClerks(session, clerks) {
  await session.click("open-clerks");
  await session.waitFor("clerk-form");
  for (const clerk of clerks) {
    await session.clear("clerk-username");
    await session.type("clerk-username", clerk.username);
    await session.clear("clerk-display-name");
    await session.type("clerk-display-name", clerk.name);
    await session.clear("clerk-password");
    await session.type("clerk-password", clerk.initial);
    await session.click("clerk-role-accept"); // ticked by default: untick
    for (const role of clerk.roles) await session.click(`clerk-role-${role}`);
    await session.click("clerk-add");
    await session.waitFor("clerk-added", { contains: clerk.name });
  }
}

export async function logOut(session) {
  await session.click("log-out");
  await session.waitFor("login");
}


/** Types `query` into a picker and chooses the entry with `code`. */
export async function pick(session, testid, query, code) {
  await session.clear(testid);
  await session.type(testid, query);
  await session.waitFor(`${testid}-option-${code}`);
  await session.click(`${testid}-option-${code}`);
}

/** Fills a complete 居住登记时间 application under Jiande's rules (acceptable as typed).
 *  The form must be open and empty. `phone: null` leaves the (optional) phone blank. */
export async function fillJiandeApplication(
  session,
  {
    idNumber = "341203199003071219",
    name = "张伟",
    phone = "13812345678",
    householdAddress = "安徽省阜阳市颍东区向阳路街道幸福村12号",
    currentAddress = "浙江省杭州市建德市新安江街道江滨中路88号3幢2单元501室",
  } = {},
) {
  await session.clickCss('[data-testid="f-profile"] option[value="330182"]');
  await session.type("id-number-input", idNumber);
  await session.waitFor("id-number-result");
  // The ID number filled the household registration guess and the gender.
  await session.waitFor("f-hh-county");
  await session.type("f-name", name);
  await pick(session, "f-ethnic", "汉", "01");
  await session.type("f-hh-address", householdAddress);
  await pick(session, "f-cur-county", "jds", "330182");
  if (phone) await session.type("f-phone", phone);
  await session.type("f-cur-address", currentAddress);
  await session.click("f-type-registration_time");
  await pick(session, "f-reg-county-0", "西湖", "330106");
  await session.type("f-reg-start-0", "2024-03-01");
  await session.type("f-reg-end-0", "2024-06-30");
  await session.click("f-reg-add");
  await pick(session, "f-reg-county-1", "建德", "330182");
  await session.type("f-reg-start-1", "2024-07-10");
  await session.click("f-ev-employment.labour_contract");
  await session.click("f-ev-employment.social_insurance");
  await session.click("f-ev-residence.rental.rental_registration");
  await session.click("f-ev-residence.rental.lease_contract");
  // Ticking the signature fills in today's date (the clerk no longer types it).
  await session.click("f-declaration-signed");
  await waitForValue(session, "f-declaration-date", /^\d{4}-\d{2}-\d{2}$/);
}

/** Submits the open form as the button says (受理, 出具一次性告知书, 出具不予受理告知书),
 *  confirms, and waits for the case page, whose print preview of the document the answer
 *  calls for opens next; returns the button's label. With `closePreview` the preview is
 *  closed again. */
export async function submitAndConfirm(session, { closePreview = true } = {}) {
  // Let the form settle (saved, the unscanned-items list drawn) so the button is where the click lands.
  await session.waitFor("save-state", { contains: "已自动保存" });
  const label = await session.text("f-submit");
  await session.click("f-submit");
  await session.waitFor("confirm-submit");
  await session.click("confirm-submit-yes");
  await session.waitFor("case", { timeoutMs: 15000 });
  if (closePreview) {
    await session.waitFor("preview", { timeoutMs: 30000 });
    await closePreviewDialog(session);
  }
  return label;
}

/** Closes the open preview and waits until it is gone. On a loaded machine the window can
 *  be busy drawing the PDF when the click arrives and miss it: click again every 2 s, for
 *  up to 30 s, and fail if it is still open (a later step would click into it). */
export async function closePreviewDialog(session) {
  const deadline = Date.now() + 30000;
  while (await session.exists("preview")) {
    if (Date.now() > deadline) throw new Error("the preview did not close");
    try {
      await session.click("preview-close");
    } catch (error) {
      // Re-rendered or gone between looking and clicking: look again.
      if (!/stale element|no such element/.test(String(error.message))) throw error;
    }
    for (let i = 0; i < 20 && (await session.exists("preview")); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Waits until the input `testid` holds a value matching `pattern`; returns it. */
export async function waitForValue(session, testid, pattern, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let value = "";
  while (Date.now() < deadline) {
    value = (await session.value(testid)) ?? "";
    if (pattern.test(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${testid} never held a value matching ${pattern}; it holds ${JSON.stringify(value)}`);
}

/** Waits until `testid` is on screen exactly `count` times. */
export async function waitForCount(session, testid, count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  while (Date.now() < deadline) {
    seen = await session.count(testid);
    if (seen === count) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`expected ${count} × ${testid}, saw ${seen}`);
}

/** Scans `pages` pages at 150 dpi from SANE's real `test` device into the open draft,
 *  linked to `evidence`; waits until the scan panel lists `expectTotal` pages. */
export async function scanFromTestDevice(session, { evidence, pages, expectTotal = pages }) {
  await session.waitFor("scan-source", { contains: "frontend-tester", timeoutMs: 20000 });
  await session.clickCss('[data-testid="scan-source"] option[value="test:0"]');
  await session.clickCss(`[data-testid="scan-evidence"] option[value="${evidence}"]`);
  await session.clear("scan-pages");
  await session.type("scan-pages", String(pages));
  await session.clickCss('[data-testid="scan-resolution"] option[value="150"]');
  await session.click("scan-start");
  await waitForCount(session, "scan-page", expectTotal, 60000);
}
