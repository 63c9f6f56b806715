// The air-gapped transfer in the real window: the administrator keeps the stand-in
// platform's key (checking its fingerprint), a case is accepted while the platform cannot
// be reached, 导出待发送记录 writes a bundle to a USB stick picked from the list (a tmpfs
// mounted under /media/$USER as a desktop mounts one), the stand-in answers it on its side
// (`platform-stub bundle-answer`), and 导入平台回执, picked from the files found on the
// stick, shows the record confirmed; the header's queue and the 未同步 list drop to 0, the
// same answer imported again changes nothing; a clerk revoked, the next export carries the
// re-key's device key change and the answer replaces the key; and a stick pulled after the
// answer was picked is said so. No path is typed.
import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { addClerks, fillJiandeApplication, submitAndConfirm, keepScreenshot, mountStick, setUpOffice, startApp, until } from "./harness.mjs";

/** Runs the stand-in's one-off tools on its own database (no server, no link). */
function stub(dataDir, args) {
  return execFileSync(process.env.E2E_PLATFORM_STUB, ["--db", join(dataDir, "stub.sqlite3"), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
}

describe("air-gapped transfer", () => {
  let session;
  let stick;
  let platformKey;
  before(async () => {
    session = await startApp();
    await setUpOffice(session, ["accept"]);
    stick = mountStick("E2E-BUNDLE-", "16m");
    platformKey = stub(session.dataDir, ["bundle-key"]);
    assert.match(platformKey, /^[0-9a-f]{64}$/);
  });
  after(async () => {
    await session?.quit();
    stick?.remove();
  });
  afterEach(async (t) => {
    if (session) await keepScreenshot(session, `bundle-${t.name}`);
  });

  it("lets the administrator keep the platform's key and shows its fingerprint", async () => {
    await session.click("open-transfer");
    await session.waitFor("transfer");
    await session.waitFor("platform-key-missing", { contains: "尚未设置" });
    await session.type("platform-key-input", platformKey);
    const fingerprint = platformKey.slice(0, 16).match(/.{4}/g).join(" ");
    await session.waitFor("platform-key-preview", { contains: fingerprint });
    await session.click("platform-key-save");
    await session.waitFor("platform-key-notice", { contains: "省平台公钥已保存" });
    assert.equal(await session.text("platform-key-fingerprint"), fingerprint);
    await session.click("transfer-back");
    await session.waitFor("home");
  });

  it("exports a queued case, imports the platform's answer, and the case is synced", async () => {
    await session.click("new-application");
    await session.waitFor("intake");
    await fillJiandeApplication(session, { name: "陈静" });
    await session.waitFor("assessment-decision", { contains: "符合受理条件" });
    assert.equal(await submitAndConfirm(session), "受理");
    assert.equal(await session.text("case-state"), "已受理");
    await session.click("case-back");
    await session.waitFor("home");
    await session.waitFor("worklist-count-not_synced", { contains: "1" });

    await session.click("open-transfer");
    await session.waitFor("transfer-sendable", { contains: "1 条" });
    const deviceId = await session.text("device-id");
    const deviceKey = await session.text("device-key");
    assert.match(deviceKey, /^[0-9a-f]{64}$/);

    await session.waitFor(`export-place-${stick.label}`, { contains: "U盘" });
    await session.clickCss(`[data-testid="export-place-${stick.label}"] input`);
    await session.click("export-submit");
    const summary = await session.waitFor("export-summary", { timeoutMs: 20000 });
    assert.match(summary, /1 条记录、0 张扫描页/);
    assert.match(await session.text("export-bundle-id"), /^[0-9a-f-]{36}$/);
    assert.match(await session.text("export-stay-queued"), /仍在待上传队列中/);
    const exported = readdirSync(stick.path).filter((name) => name.endsWith(".pdb"));
    assert.equal(exported.length, 1, `one whole bundle, no partial file: ${readdirSync(stick.path)}`);
    assert.equal(readdirSync(stick.path).length, 1);
    assert.ok(summary.includes(exported[0]), summary);
    await keepScreenshot(session, "bundle-exported");

    // The platform's side of the air gap: its operator registered this device once.
    const answered = JSON.parse(
      stub(session.dataDir, [
        "--device", `${deviceId}=${deviceKey}`,
        "bundle-answer", join(stick.path, exported[0]), join(stick.path, "answer.pdb"),
      ]),
    );
    assert.equal(answered.records, 1);

    // Picked from the files found on the stick: the export is listed but cannot be chosen.
    await session.click("import-files-refresh");
    await session.waitFor("import-file-answer.pdb", { contains: "省平台回执（本机）" });
    assert.match(await session.text(`import-file-${exported[0]}`), /待上报文件/);
    await session.clickCss('[data-testid="import-file-answer.pdb"] input');
    await keepScreenshot(session, "bundle-answer-picked");
    await session.click("import-submit");
    const imported = await session.waitFor("import-summary", { contains: "省平台确认 1 条", timeoutMs: 20000 });
    assert.match(imported, /退回 0 条，仍待上报 0 条/);
    assert.equal(await session.exists("import-unchanged"), false);
    await session.waitFor("transfer-sendable", { contains: "0 条" });
    await until(() => session.text("sync-queued"), (text) => text.endsWith(" 0"), "header 待上传 0");
    await keepScreenshot(session, "bundle-imported");

    // The same answer again: nothing changes, and the window says so.
    await session.click("import-submit");
    await session.waitFor("import-unchanged", { contains: "没有新的变化" });
    assert.match(await session.text("import-summary"), /省平台确认 0 条/);

    await session.click("transfer-back");
    await session.waitFor("home");
    await session.waitFor("worklist-count-not_synced", { contains: "0" });
  });

  it("carries the re-keys' device key changes in the next exports, one per answer, and the answers replace the key", async () => {
    // 人员管理: two clerks added and revoked; each revocation re-keys the office, which orders
    // the device's key replaced (a copy of the files made before holds the old one). The
    // second order replaces the first's new key and waits behind it.
    await addClerks(session, [
      { username: "zhoulin", name: "周琳", initial: "zhou-pass-1", roles: ["review"] },
      { username: "qianfeng", name: "钱枫", initial: "qian-pass-1", roles: ["review"] },
    ]);
    for (const username of ["zhoulin", "qianfeng"]) {
      await session.click(`clerk-revoke-${username}`);
      await session.waitFor("confirm-revoke");
      await session.click("confirm-revoke-yes");
      await session.waitFor("clerk-notice", { contains: "换用新密钥", timeoutMs: 30000 });
    }
    await session.click("clerks-back");
    await session.waitFor("home");

    await session.click("open-transfer");
    const oldKey = await session.waitFor("device-key");
    await session.waitFor("device-key-orders-waiting", { contains: "变更单 2 张，尚待省平台确认" });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await keepScreenshot(session, "bundle-device-key-orders-pending");
    // Each round: an export carrying the order waiting first, the stand-in's answer, the import.
    const round = async (answerName) => {
      const before = new Set(readdirSync(stick.path));
      await session.waitFor(`export-place-${stick.label}`, { contains: "U盘" });
      await session.clickCss(`[data-testid="export-place-${stick.label}"] input`);
      await session.click("export-submit");
      const exported = await until(
        () => readdirSync(stick.path).filter((name) => name.endsWith(".pdb") && !before.has(name)),
        (names) => names.length === 1,
        "one new bundle",
        20000,
      );
      await session.waitFor("export-summary", { contains: exported[0], timeoutMs: 20000 });
      assert.match(await session.text("export-key-change"), /更换本机设备密钥的变更单/);
      stub(session.dataDir, ["bundle-answer", join(stick.path, exported[0]), join(stick.path, answerName)]);
      await session.click("import-files-refresh");
      await session.waitFor(`import-file-${answerName}`, { contains: "省平台回执（本机）" });
      await session.clickCss(`[data-testid="import-file-${answerName}"] input`);
      await session.click("import-submit");
      await session.waitFor("import-key-changed", { contains: "省平台已接受更换本机设备密钥", timeoutMs: 20000 });
      assert.equal(await session.exists("import-key-refused"), false);
    };
    await round("answer-key-1.pdb");
    await session.waitFor("import-key-waiting", { contains: "还有 1 张变更单待省平台确认" });
    await session.waitFor("device-key-orders-waiting", { contains: "变更单 1 张" });
    // The list is read again: the first test's answer was addressed to the key just replaced.
    await session.waitFor("import-file-answer.pdb", { contains: "本机更换设备密钥之前的回执" });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await keepScreenshot(session, "bundle-device-key-order-waiting");
    await round("answer-key.pdb");
    await until(() => session.exists("import-key-waiting"), (shown) => !shown, "no order left after the second answer");
    await until(() => session.exists("device-key-orders-waiting"), (shown) => !shown, "no order waiting on the screen");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await keepScreenshot(session, "bundle-device-key-changed");

    // The transfer screen, opened again, shows the new key for the platform's operator.
    await session.click("transfer-back");
    await session.waitFor("home");
    await session.click("open-transfer");
    const newKey = await session.waitFor("device-key");
    assert.match(newKey, /^[0-9a-f]{64}$/);
    assert.notEqual(newKey, oldKey, "the office signs with its new key");
    // The first answer, addressed to the replaced key, is listed as such and cannot be picked.
    await session.waitFor("import-file-answer.pdb", { contains: "本机更换设备密钥之前的回执" });
    assert.equal(await session.exists("import-file-answer-key.pdb"), true);
    await session.click("transfer-back");
    await session.waitFor("home");
  });

  it("says next to the import when the stick was pulled after the answer was picked", async () => {
    copyFileSync(join(stick.path, "answer-key.pdb"), join(stick.path, "answer-again.pdb"));
    await session.click("open-transfer");
    await session.waitFor("import-file-answer-again.pdb", { contains: "省平台回执（本机）" });
    await session.clickCss('[data-testid="import-file-answer-again.pdb"] input');
    stick.pull();
    await session.click("import-submit");
    await session.waitFor("import-error", { contains: "U盘是否已插好" });
    await session.waitFor("import-files-none", { contains: "没有找到回执文件" });
    await session.click("transfer-back");
    await session.waitFor("home");
  });
});
