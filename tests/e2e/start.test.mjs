// A counter PC whose data disk cannot be written at start (remounted read-only after disk
// errors): the window still opens and says which folder and why, in Chinese, with 重试 —
// no exit, no crash loop, no blank window; once the disk is writable, 重试 goes on to the
// first-run set-up. The disk is a real tmpfs remounted read-only (the tests run as root).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { keepScreenshot, startApp } from "./harness.mjs";

describe("a data folder that cannot be made at start", () => {
  const disk = mkdtempSync(join(process.env.E2E_DATA_ROOT ?? tmpdir(), "ro-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "e2e-data-disk", disk]);
  execFileSync("mount", ["-o", "remount,ro", disk]);
  let session;
  after(async () => {
    await session?.quit();
    try {
      execFileSync("umount", ["-l", disk], { stdio: "ignore" });
    } catch {
      // already gone
    }
    rmSync(disk, { recursive: true, force: true });
  });

  it("says so with 重试, and goes on to the set-up once the disk is writable", async () => {
    const dataDir = join(disk, "permit-desk");
    session = await startApp({ dataDir });
    const said = await session.waitFor("start-error-message", { timeoutMs: 20000 });
    assert.match(said, /无法建立办理点数据文件夹/);
    assert.ok(said.includes(dataDir), said);
    assert.match(said, /只读/);
    assert.equal(await session.exists("setup"), false, "no set-up on a disk that cannot keep it");
    await keepScreenshot(session, "start-data-folder-read-only");

    execFileSync("mount", ["-o", "remount,rw", disk]);
    await session.click("start-retry");
    await session.waitFor("setup", { timeoutMs: 20000 });
    assert.equal(await session.exists("start-error"), false);
  });
});
