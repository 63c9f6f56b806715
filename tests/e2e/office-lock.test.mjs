// Another program on this PC (permitctl, a second window) is re-keying, upgrading or
// restoring the office — it holds the office's lock (office.lock) exclusive, as those do:
// the log-in says so in a sentence and opens nothing; once the other program is done, the
// same log-in goes through with everything there.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, keepScreenshot, setUpOffice, startApp } from "./harness.mjs";

/** Holds `file`'s lock exclusive (util-linux flock, the same flock(2) lock the program
 *  takes) until the returned process is killed; resolves once it holds it. */
function holdExclusive(file) {
  // Its own process group: the shell flock runs inherits the locked file, so the group goes.
  const holder = spawn("flock", ["--exclusive", file, "--command", "echo held; sleep 300"], {
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  return new Promise((resolve, reject) => {
    holder.stdout.on("data", (data) => {
      if (String(data).includes("held")) resolve(holder);
    });
    holder.on("error", reject);
    holder.on("exit", (code) => reject(new Error(`flock ended (${code}) before it held the lock`)));
  });
}

describe("the office while another program replaces its files", () => {
  let session;
  let holder;
  after(async () => {
    if (holder) process.kill(-holder.pid);
    await session?.quit();
  });

  it("refuses the log-in with a sentence, then lets the clerk in once the other program is done", async () => {
    session = await startApp();
    const dataDir = session.dataDir;
    await setUpOffice(session, ["accept"]);
    await session.quit();
    session = null;

    holder = await holdExclusive(join(dataDir, "db", "office.lock"));
    session = await startApp({ dataDir });
    await session.waitFor("login");
    await session.clear("login-username");
    await session.type("login-username", ADMIN.username);
    await session.type("login-password", ADMIN.password);
    await session.click("login-submit");
    const said = await session.waitFor("login-error", { contains: "另一个程序", timeoutMs: 20000 });
    assert.match(said, /正在对办理点数据重新加密、升级或恢复备份，请等它完成后再试/);
    // Under load the window's next frame can lag the text by a moment: let it paint.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await keepScreenshot(session, "login-office-busy");

    process.kill(-holder.pid);
    holder = null;
    await session.clear("login-password");
    await session.type("login-password", ADMIN.password);
    await session.click("login-submit");
    await session.waitFor("home", { timeoutMs: 20000 });
  });
});
