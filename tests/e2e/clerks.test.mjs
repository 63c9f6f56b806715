// Clerk administration in the real window: the administrator adds a clerk, changes the
// clerk's roles after the fact, revokes the account (behind a confirm), and re-enables it
// with a new password. Each step is checked from the clerk's side at the log-in screen.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, keepScreenshot, logIn, logOut, setUpOffice, startApp } from "./harness.mjs";

const CLERK = {
  username: "wangfang",
  name: "王芳",
  password: "wang-pass-1",
  newPassword: "wang-pass-2",
  ownPassword: "fang-own-pass-3",
};

describe("clerk administration: edit roles, revoke, re-enable", () => {
  let session;
  before(async () => {
    session = await startApp();
    await setUpOffice(session);
  });
  after(async () => {
    await session?.quit();
  });
  afterEach(async (t) => {
    if (session) await keepScreenshot(session, `clerks-${t.name}`);
  });

  /** The clerk's log-in with `password` is refused at the log-in screen. */
  async function refusedAtLogIn(password) {
    await session.clear("login-username");
    await session.type("login-username", CLERK.username);
    await session.type("login-password", password);
    await session.click("login-submit");
    await session.waitFor("login-error");
  }

  it("adds a clerk who may only accept", async () => {
    await session.click("open-clerks");
    await session.waitFor("clerk-form");
    await session.type("clerk-username", CLERK.username);
    await session.type("clerk-display-name", CLERK.name);
    await session.type("clerk-password", CLERK.password);
    await session.click("clerk-add"); // 受理 is ticked by default
    await session.waitFor("clerk-added", { contains: CLERK.name });
    assert.match(await session.text(`clerk-${CLERK.username}`), /受理/);
    assert.doesNotMatch(await session.text(`clerk-${CLERK.username}`), /审核/);
    // Each clerk signs their own steps with a key the administrator's certified (issue 18):
    // the administrator's is the office's root; the fingerprints are what the platform lists.
    const fingerprint = /[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}/;
    assert.match(await session.text("clerk-key-admin"), fingerprint);
    assert.match(await session.text("clerk-key-admin"), /本办理点根密钥/);
    assert.match(await session.text(`clerk-key-${CLERK.username}`), fingerprint);
    assert.match(await session.text(`clerk-key-${CLERK.username}`), /已确认/);
    await keepScreenshot(session, "clerks-signing-keys");
  });

  it("changes the clerk's roles from the table", async () => {
    await session.click(`clerk-roles-${CLERK.username}`);
    await session.waitFor(`clerk-roles-editor-${CLERK.username}`);
    await session.click(`clerk-role-${CLERK.username}-review`);
    await session.click(`clerk-roles-save-${CLERK.username}`);
    await session.waitFor("clerk-notice", { contains: CLERK.name });
    assert.match(await session.text("clerk-notice"), /已修改岗位/);
    assert.equal(await session.exists(`clerk-roles-editor-${CLERK.username}`), false, "the editor closes");
    assert.match(await session.text(`clerk-${CLERK.username}`), /受理、审核/);
  });

  it("refuses to save a clerk with no role", async () => {
    await session.click(`clerk-roles-${CLERK.username}`);
    await session.waitFor(`clerk-roles-editor-${CLERK.username}`);
    await session.click(`clerk-role-${CLERK.username}-accept`);
    await session.click(`clerk-role-${CLERK.username}-review`);
    await session.click(`clerk-roles-save-${CLERK.username}`);
    assert.ok((await session.waitFor("clerk-roles-error")).length > 0, "a Chinese sentence says why");
    await session.click(`clerk-roles-cancel-${CLERK.username}`);
    assert.match(await session.text(`clerk-${CLERK.username}`), /受理、审核/, "nothing was saved");
  });

  it("revokes the account behind a confirm; the clerk can no longer log in", async () => {
    await session.click(`clerk-revoke-${CLERK.username}`);
    await session.waitFor("confirm-revoke");
    await session.click("confirm-revoke-yes");
    await session.waitFor(`clerk-reenable-${CLERK.username}`);
    assert.match(await session.text(`clerk-${CLERK.username}`), /已停用/);
    // The office was re-keyed: the revoked clerk's old copy of the files opens nothing new.
    const rekeyed = await session.waitFor("clerk-notice", { contains: "换用新密钥", timeoutMs: 30000 });
    assert.match(rekeyed, new RegExp(`已停用 ${CLERK.name}（${CLERK.username}）。数据库已换用新密钥（本办理点第 1 次更换）`));
    assert.equal(await session.exists("rekey-owed"), false, "no re-key is owed");
    await keepScreenshot(session, "clerks-revoked-rekeyed");
    await session.click("clerks-back");
    await logOut(session);
    await session.type("login-username", CLERK.username);
    await session.type("login-password", CLERK.password);
    await session.click("login-submit");
    assert.ok((await session.waitFor("login-error")).length > 0, "the log-in is refused with a reason");
  });

  it("re-enables the account with a new password; the old one no longer works", async () => {
    await logIn(session, ADMIN.username, ADMIN.password);
    await session.click("open-clerks");
    // The table is read after the screen opens: wait for the row's button.
    await session.waitFor(`clerk-reenable-${CLERK.username}`);
    await session.click(`clerk-reenable-${CLERK.username}`);
    await session.waitFor("confirm-reenable");
    await session.type("clerk-reenable-password", CLERK.newPassword);
    await session.type("clerk-reenable-password-again", "something-else");
    await session.click("clerk-reenable-yes");
    await session.waitFor("clerk-reenable-error");
    await session.replace("clerk-reenable-password-again", CLERK.newPassword);
    await session.click("clerk-reenable-yes");
    await session.waitFor("clerk-notice", { contains: CLERK.name });
    assert.equal(await session.exists("confirm-reenable"), false);
    assert.ok(await session.exists(`clerk-revoke-${CLERK.username}`), "the account is active again");
    await session.click("clerks-back");
    await logOut(session);

    await refusedAtLogIn(CLERK.password);
    // The new password works; it is one the administrator set, so the window asks for
    // the clerk's own before anything else.
    await session.clear("login-username");
    await session.type("login-username", CLERK.username);
    await session.type("login-password", CLERK.newPassword);
    await session.click("login-submit");
    await session.waitFor("password-forced", { contains: "管理员也知道" });
    assert.match(await session.text("current-clerk"), new RegExp(CLERK.name));
  });

  it("the clerk must replace the administrator's password before anything else, and chooses a strong one", async () => {
    // No way round the dialog: no 取消, Esc does nothing, no home screen behind it.
    assert.equal(await session.exists("password-cancel"), false);
    await session.type("password-old", "\uE00C"); // Esc
    assert.ok(await session.exists("change-password"), "Esc does not close it");
    assert.equal(await session.exists("home"), false, "nothing to work with until it is changed");
    await keepScreenshot(session, "clerks-password-change-forced");
    await session.type("password-old", CLERK.newPassword);
    // A common password, then one of a single kind of character: refused with the reason.
    await session.type("password-new", "abc12345");
    await session.type("password-again", "abc12345");
    await session.click("password-submit");
    await session.waitFor("password-error", { contains: "太常见" });
    await session.replace("password-new", "fangfangfang");
    await session.replace("password-again", "fangfangfang");
    await session.click("password-submit");
    await session.waitFor("password-error", { contains: "至少两种" });
    await session.replace("password-new", CLERK.ownPassword);
    await session.replace("password-again", "not-the-same-1");
    await session.click("password-submit");
    await session.waitFor("password-error", { contains: "不一致" });
    await session.replace("password-again", CLERK.ownPassword);
    await session.click("password-submit");
    await session.waitFor("password-changed", { contains: "密码已修改" });
    await session.waitFor("home");
    assert.equal(await session.exists("change-password"), false);
    await logOut(session);

    await refusedAtLogIn(CLERK.newPassword);
    await logIn(session, CLERK.username, CLERK.ownPassword);
    assert.equal(await session.exists("password-forced"), false, "the next log-in knows it too");
  });
});
