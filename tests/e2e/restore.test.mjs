// The office's database found damaged at log-in, restored from the window: the
// administrator backs the office up to a USB stick from the office page (picked from the
// list, never typed); the database file is later damaged while the app is closed; at the
// next log-in the window says so, names the last backup and offers it under 从备份恢复;
// after a confirmation that says what is lost, the office is back and the clerk is in. A
// clerk revoked after the backup stays revoked, and the window names them before it goes on.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, keepScreenshot, mountStick, setUpOffice, startApp } from "./harness.mjs";

const LEAVER = { username: "zhou", name: "周离职", password: "zhou-pass-2026" };

describe("a damaged database restored from the window", () => {
  const stick = mountStick("E2E-BACKUP-", "16m");
  let session;
  after(async () => {
    await session?.quit();
    stick.remove();
  });

  it("backs up to a stick, and restores from it at the log-in after the database is damaged", async () => {
    session = await startApp();
    const dataDir = session.dataDir;
    await setUpOffice(session, ["accept"]);
    // A clerk the backup will have, revoked after it.
    await session.click("open-clerks");
    await session.waitFor("clerk-form");
    await session.type("clerk-username", LEAVER.username);
    await session.type("clerk-display-name", LEAVER.name);
    await session.type("clerk-password", LEAVER.password);
    await session.click("clerk-add");
    await session.waitFor("clerk-added", { contains: LEAVER.name });
    await session.click("open-office");
    await session.waitFor("backup");
    await session.click("backup-places-refresh");
    await session.waitFor(`backup-place-${stick.label}`, { contains: "U盘" });
    await session.clickCss(`[data-testid="backup-place-${stick.label}"] input`);
    await session.click("backup-start");
    const made = await session.waitFor("backup-made", { timeoutMs: 30000 });
    assert.match(made, /已备份到 .+permit-desk-backup-33018201-建德市公安局新安江派出所-\d{8}-\d{6}\.backup（\d+(\.\d)? (KB|MB)，/);
    const files = readdirSync(stick.path).filter((name) => name.endsWith(".backup"));
    assert.equal(files.length, 1, `one backup on the stick: ${files}`);
    await session.cmd("POST", "/execute/sync", {
      script: "document.querySelector('[data-testid=\"backup\"]').scrollIntoView({ block: 'center' });",
      args: [],
    });
    await keepScreenshot(session, "office-backup-made");
    await session.click("open-clerks");
    await session.waitFor(`clerk-revoke-${LEAVER.username}`);
    await session.click(`clerk-revoke-${LEAVER.username}`);
    await session.waitFor("confirm-revoke");
    await session.click("confirm-revoke-yes");
    await session.waitFor(`clerk-reenable-${LEAVER.username}`);
    await session.quit();
    session = null;

    // Bytes of the database's first page overwritten while the app was closed.
    const db = join(dataDir, "db", "office.db");
    const bytes = readFileSync(db);
    bytes.fill(0xa5, 100, 612);
    writeFileSync(db, bytes);

    session = await startApp({ dataDir });
    await session.waitFor("login");
    await session.clear("login-username");
    await session.type("login-username", ADMIN.username);
    await session.type("login-password", ADMIN.password);
    await session.click("login-submit");
    const said = await session.waitFor("login-error", { contains: "损坏", timeoutMs: 20000 });
    assert.match(said, /本机最近一次备份：.+由 admin 备份到/);
    assert.match(said, /从备份恢复/);
    await session.waitFor("restore");
    const offered = await session.waitFor("restore", { contains: "本机最近一次备份", timeoutMs: 10000 });
    assert.match(offered, /由 admin 备份（办理点 \S+，.+permit-desk-backup-.+\.backup，\d+(\.\d)? (KB|MB)）/);
    assert.equal(await session.count("restore-file"), 1);
    assert.match(offered, /可由 admin 恢复/, "the backup is sealed to its administrator");
    await keepScreenshot(session, "login-database-damaged-restore-offered");
    await session.click("restore-start");
    const asked = await session.waitFor("restore-confirm");
    assert.match(asked, /备份之后在本机办理的业务不在备份中/);
    await session.click("restore-confirm-yes");
    const revoked = await session.waitFor("restore-revoked-again", { timeoutMs: 30000 });
    assert.match(revoked, /再次停用/);
    assert.ok(revoked.includes(`${LEAVER.name}（${LEAVER.username}）`), revoked);
    // The backup's key was one the clerk revoked since held: the restored office is re-keyed.
    assert.match(await session.text("restore-rekey"), /数据库已换用新密钥（本办理点第 \d+ 次更换）/);
    await keepScreenshot(session, "login-restore-revoked-again");
    await session.click("restore-revoked-again-ok");
    await session.waitFor("home", { timeoutMs: 30000 });
    assert.equal(await session.exists("login"), false);
    const aside = readdirSync(join(dataDir, "db")).filter((name) => name.startsWith("office.db.before-restore-"));
    assert.equal(aside.length, 1, "the damaged file is kept aside");
    assert.deepEqual(readFileSync(join(dataDir, "db", aside[0])), bytes, "as it was found");
    await keepScreenshot(session, "login-restored-from-backup");
  });
});
