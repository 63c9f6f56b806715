// A record the platform refuses, in the real window: the case is accepted, the stand-in
// platform refuses applications whose address is malformed; the header shows 被退回 1, the
// supervisor view lists the record by applicant and 申请编号 with the platform's reason and
// who must do what; 更正后重报 opens the application, the clerk corrects the address and
// sends it (after a confirm), and the next sync delivers it under the same record id.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fillJiandeApplication, submitAndConfirm, keepScreenshot, setUpOffice, startApp } from "./harness.mjs";

const REASON = "现居住地址不规范（测试规则）";

describe("records the platform refuses", () => {
  let session;
  let stub;
  const base = process.env.PERMIT_DESK_PLATFORM_URL;
  before(async () => {
    session = await startApp();
    await setUpOffice(session, ["accept"]);
  });
  after(async () => {
    stub?.kill();
    await session?.quit();
  });
  afterEach(async (t) => {
    if (session) await keepScreenshot(session, `quarantine-${t.name}`);
  });

  async function faults(body) {
    const response = await fetch(`${base}/admin/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 204, `faults ${JSON.stringify(body)}`);
  }

  /** Presses 立即同步 until `done()` holds (the sync thread runs in the background). */
  async function syncUntil(done, what) {
    const deadline = Date.now() + 40000;
    while (Date.now() < deadline) {
      await session.click("sync-now");
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (await done()) return;
    }
    throw new Error(`sync never got to: ${what}`);
  }

  it("shows the refused record with the platform's reason", async () => {
    // The platform comes up refusing this address before the case exists: the app syncs as
    // soon as it can reach it, so a fault set afterwards could miss the first send.
    const url = new URL(base);
    stub = spawn(process.env.E2E_PLATFORM_STUB, [
      "--listen", url.host,
      "--db", join(session.dataDir, "stub.sqlite3"),
      "--enrolment-code", process.env.PERMIT_DESK_ENROLMENT_CODE,
    ], { stdio: "ignore" });
    for (let tries = 0; ; tries++) {
      try {
        await faults({ reject: { payload_contains: "XX路", code: "RECORD_INVALID", reason: REASON } });
        break;
      } catch (error) {
        if (tries > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    await session.click("new-application");
    await session.waitFor("intake");
    await fillJiandeApplication(session, { name: "周敏", currentAddress: "建德市XX路" });
    await session.waitFor("assessment-decision", { contains: "符合受理条件" });
    assert.equal(await submitAndConfirm(session), "受理");
    assert.equal(await session.text("case-state"), "已受理");

    await syncUntil(() => session.exists("sync-quarantined"), "被退回 1");
    assert.match(await session.text("sync-quarantined"), /被退回\s*1/);
    await session.click("sync-quarantined");
    await session.waitFor("quarantine-table");
    const reason = await session.waitFor("quarantine-reason");
    assert.match(reason, /现居住地址不规范/);
    // The supervisor finds the case by the applicant and its 申请编号, and is told who does what.
    assert.equal(await session.text("quarantine-applicant"), "周敏");
    assert.match(await session.text("quarantine-number"), /^33018201-\d{8}-0001$/);
    assert.match(await session.text("quarantine-next-step"), /受理人.*更正/);
    await keepScreenshot(session, "quarantine-listed");
  });

  it("corrects the refused application, sends it again after a confirm, and the next sync delivers it", async () => {
    await session.clickCss('[data-testid^="correct-"]');
    await session.waitFor("correction-banner", { contains: "现居住地址不规范" });
    assert.equal(await session.value("f-cur-address"), "建德市XX路", "the application as it was refused");
    assert.equal(await session.exists("f-clear"), false, "a correction is not a draft to clear");
    await session.replace("f-cur-address", "浙江省杭州市建德市新安江街道江滨中路88号");
    assert.equal(await session.value("f-cur-address"), "浙江省杭州市建德市新安江街道江滨中路88号");
    await keepScreenshot(session, "quarantine-correcting");
    await session.click("f-correct");
    await session.waitFor("confirm-correct", { contains: "审计日志" });
    await session.click("confirm-correct-yes");
    await session.waitFor("quarantine-notice", { contains: "更正后的申请表" });
    await syncUntil(async () => !(await session.exists("sync-quarantined")) && (await session.text("sync-queued")).endsWith(" 0"), "待上传 0");
    await session.click("quarantine-back");
    await session.waitFor("home");
    // The correction is in the case's audit trail, by the clerk who made it.
    await session.clear("search-input");
    await session.type("search-input", "周敏\uE007");
    await session.waitFor("case-line");
    await session.clickCss('[data-testid="case-line"] td');
    await session.waitFor("audit-line");
    const trail = await session.texts("audit-line");
    assert.ok(trail.some((line) => line.includes("更正后重报")), `the trail shows the correction: ${trail.join(" | ")}`);
  });
});
