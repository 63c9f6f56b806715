// The air-gapped transfer in the real window: the administrator keeps the stand-in
// platform's key (checking its fingerprint), a case is accepted while the platform cannot
// be reached, 导出待发送记录 writes a bundle to a folder standing in for a USB stick, the
// stand-in answers it on its side (`platform-stub bundle-answer`), and 导入平台回执 shows
// the record confirmed; the header's queue and the 未同步 list drop to 0, and the same
// answer imported again changes nothing.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fillJiandeApplication, submitAndConfirm, keepScreenshot, setUpOffice, startApp } from "./harness.mjs";

/** Runs the stand-in's one-off tools on its own database (no server, no link). */
function stub(dataDir, args) {
  return execFileSync(process.env.E2E_PLATFORM_STUB, ["--db", join(dataDir, "stub.sqlite3"), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
}

/** Polls `read()` until `done(value)` holds. */
async function until(read, done, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`never got to: ${what}; last: ${JSON.stringify(last)}`);
}

describe("air-gapped transfer", () => {
  let session;
  let stick;
  let platformKey;
  before(async () => {
    session = await startApp();
    await setUpOffice(session, ["accept"]);
    stick = join(session.dataDir, "stick");
    mkdirSync(stick);
    platformKey = stub(session.dataDir, ["bundle-key"]);
    assert.match(platformKey, /^[0-9a-f]{64}$/);
  });
  after(async () => {
    await session?.quit();
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

    await session.clear("export-path");
    await session.type("export-path", stick);
    await session.click("export-submit");
    const summary = await session.waitFor("export-summary", { timeoutMs: 20000 });
    assert.match(summary, /1 条记录、0 张扫描页/);
    assert.match(await session.text("export-bundle-id"), /^[0-9a-f-]{36}$/);
    assert.match(await session.text("export-stay-queued"), /仍在待上传队列中/);
    const exported = readdirSync(stick).filter((name) => name.endsWith(".pdb"));
    assert.equal(exported.length, 1, `one whole bundle, no partial file: ${readdirSync(stick)}`);
    assert.equal(readdirSync(stick).length, 1);
    assert.ok(summary.includes(exported[0]), summary);
    await keepScreenshot(session, "bundle-exported");

    // The platform's side of the air gap: its operator registered this device once.
    const answered = JSON.parse(
      stub(session.dataDir, [
        "--device", `${deviceId}=${deviceKey}`,
        "bundle-answer", join(stick, exported[0]), join(stick, "answer.pdb"),
      ]),
    );
    assert.equal(answered.records, 1);

    await session.clear("import-path");
    await session.type("import-path", join(stick, "answer.pdb"));
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

  it("refuses a missing answer file in Chinese next to the import", async () => {
    await session.click("open-transfer");
    await session.waitFor("transfer");
    await session.clear("import-path");
    await session.type("import-path", join(stick, "missing.pdb"));
    await session.click("import-submit");
    await session.waitFor("import-error", { contains: "找不到文件" });
    await session.click("transfer-back");
    await session.waitFor("home");
  });
});
