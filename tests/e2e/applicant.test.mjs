// The screen facing the applicant (a second window): it shows what the clerk types with
// the ID number masked, the clerk's submit waits for the applicant's 确认无误, the decision
// follows, and the applicant's 好差评 — a reason required for 不满意 — is kept and reaches
// the stand-in platform exactly once.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { closePreviewDialog, fillJiandeApplication, keepScreenshot, setUpOffice, startApp } from "./harness.mjs";

describe("the screen facing the applicant", () => {
  let session;
  let clerk;
  let applicant;
  let stub;
  before(async () => {
    session = await startApp();
    await setUpOffice(session, ["accept"]);
    clerk = await session.windowHandle();
  });
  after(async () => {
    stub?.kill();
    await session?.quit();
  });
  afterEach(async (t) => {
    if (!session) return;
    await session.switchToWindow(applicant ?? clerk);
    await keepScreenshot(session, `applicant-${t.name}`);
    await session.switchToWindow(clerk);
  });

  /** Runs `steps` in the applicant's window, then comes back to the clerk's. */
  async function atApplicant(steps) {
    await session.switchToWindow(applicant);
    try {
      return await steps();
    } finally {
      await session.switchToWindow(clerk);
    }
  }

  it("opens beside the clerk's window and shows the form as typed, the ID number masked", async () => {
    // Off until chosen (the choice is kept in the data folder, for the next log-in).
    assert.equal((await session.attributes("applicant-screen-toggle", "data-on"))[0], "false");
    await session.click("applicant-screen-toggle");
    applicant = await session.waitForNewWindow([clerk]);
    await atApplicant(() => session.waitFor("applicant-welcome"));
    assert.match(await session.text("applicant-screen-toggle"), /开/);
    await session.click("new-application");
    await session.waitFor("intake");
    await fillJiandeApplication(session);
    await atApplicant(async () => {
      // The screen follows the form as it is typed: wait for the last field filled (the
      // recognition type), not the first (the name arrives while the rest is still typed).
      const lines = (await session.waitFor("applicant-screen", { contains: "居住登记时间互认", timeoutMs: 10000 })).replace(/\s+/g, " ");
      assert.match(lines, /张伟/);
      assert.match(lines, /341203\*{8}1219/, "the ID number masked");
      assert.doesNotMatch(lines, /341203199003071219/, "never the whole number");
    });
  });

  it("waits for the applicant's 确认无误 before the clerk can submit", async () => {
    await session.waitFor("save-state", { contains: "已自动保存" });
    await session.click("f-submit");
    await session.waitFor("confirm-submit-waiting");
    const [disabled] = await session.attributes("confirm-submit-yes", "disabled");
    assert.notEqual(disabled, null, "submit waits for the applicant");
    await atApplicant(async () => {
      assert.match(await session.waitFor("applicant-confirm-request"), /将予受理/);
      await keepScreenshot(session, "applicant-asked-to-confirm");
      await session.click("applicant-confirm");
      await session.waitFor("applicant-confirmed");
    });
    await session.waitFor("confirm-submit-applicant-ok", { timeoutMs: 5000 });
    await session.click("confirm-submit-yes");
    await session.waitFor("case", { timeoutMs: 15000 });
    await session.waitFor("preview", { timeoutMs: 30000 });
    await closePreviewDialog(session);
  });

  it("shows the decision and takes one rating, with a reason when the applicant is not satisfied", async () => {
    await atApplicant(async () => {
      assert.match(await session.waitFor("applicant-decision"), /已受理/);
      await session.click("rate-dissatisfied");
      await session.click("rate-submit");
      assert.match(await session.waitFor("applicant-error"), /原因/);
      await keepScreenshot(session, "applicant-rating-needs-a-reason");
      await session.type("rate-reason", "等候时间较长");
      await session.click("rate-submit");
      assert.match(await session.waitFor("applicant-rated"), /不满意/);
    });
    // In the case's trail (opened again), by the clerk who served.
    await session.click("case-back");
    await session.waitFor("search-input");
    await session.type("search-input", "张伟\uE007");
    await session.waitFor("case-line");
    await session.clickCss(`[data-testid="case-line"] td`);
    let trail = "";
    for (let i = 0; i < 50 && !trail; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      trail = (await session.texts("audit-line")).find((line) => line.includes("好差评")) ?? "";
    }
    assert.match(trail, /申请人评价（好差评）admin不满意/, "the level, by the clerk who served");
  });

  it("sends the rating to the platform once", async () => {
    const url = new URL(process.env.PERMIT_DESK_PLATFORM_URL);
    stub = spawn(process.env.E2E_PLATFORM_STUB, [
      "--listen", url.host,
      "--db", join(session.dataDir, "stub.sqlite3"),
      "--enrolment-code", process.env.PERMIT_DESK_ENROLMENT_CODE,
    ], { stdio: "ignore" });
    const deadline = Date.now() + 60000;
    let ratings = [];
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await session.click("sync-now");
      try {
        const records = await (await fetch(`${url.origin}/admin/records`)).json();
        ratings = records.filter((record) => record.kind === "rating");
        const [queued] = await session.attributes("sync-queued", "data-count");
        if (ratings.length > 0 && Number(queued ?? 0) === 0) break;
      } catch {
        // the stand-in is still starting
      }
    }
    assert.equal(ratings.length, 1, "one rating on the platform");
    await session.click("sync-now"); // a further sync sends nothing again
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const again = (await (await fetch(`${url.origin}/admin/records`)).json()).filter((r) => r.kind === "rating");
    assert.equal(again.length, 1);
  });
});
