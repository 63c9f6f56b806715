// Screens that fit a counter PC: 1024×768 at the standard text size and at 特大 (125 %),
// no screen wider than the window (no horizontal scroll bar under the form) and every
// button of a screen's bar inside the window. Screenshots of each screen at both sizes.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fillJiandeApplication, keepScreenshot, setUpOffice, startApp, submitAndConfirm } from "./harness.mjs";

describe("screens at 1024×768 and at 125 % text", () => {
  let session;
  before(async () => {
    session = await startApp();
    await setUpOffice(session, ["accept", "approve"]);
    await textSize("标准"); // the size is kept per PC (the window's storage), not per office
  });
  after(async () => {
    if (session) await textSize("标准"); // the next tests start at the standard size
    await session?.quit();
  });

  /** Clicks the header's 字号 button until it shows `label`. */
  async function textSize(label) {
    for (let round = 0; round < 3 && (await session.text("text-size")) !== `字号：${label}`; round += 1) {
      await session.click("text-size");
    }
    assert.equal(await session.text("text-size"), `字号：${label}`);
  }

  /** Runs `script` in the window and returns its value. */
  const run = (script) => session.cmd("POST", "/execute/sync", { script, args: [] });

  /** The window's content width and the widest the page lays out; the buttons outside it. */
  async function fit() {
    return run(`
      const width = document.documentElement.clientWidth;
      const outside = [...document.querySelectorAll("button, input, select, textarea")]
        .filter((el) => el.offsetParent !== null && !el.closest(".ledger__scroll, .table-scroll"))
        .filter((el) => { const r = el.getBoundingClientRect(); return r.right > width + 1 || r.left < -1; })
        .map((el) => el.dataset.testid || el.textContent.trim().slice(0, 12));
      return { width, scrollWidth: document.documentElement.scrollWidth, outside };
    `);
  }

  async function check(screen) {
    await new Promise((resolve) => setTimeout(resolve, 600)); // layout and paint settle
    const { width, scrollWidth, outside } = await fit();
    const size = await run("return document.documentElement.dataset.textSize;");
    await keepScreenshot(session, `screens-${screen}-1024-${size}`);
    assert.ok(scrollWidth <= width + 1, `${screen} at ${size}: laid out ${scrollWidth} px wide in a ${width} px window`);
    assert.deepEqual(outside, [], `${screen} at ${size}: controls outside the window`);
  }

  async function everyScreen() {
    await session.waitFor("home");
    await check("home");
    await session.click("open-ledger");
    await session.waitFor("ledger-summary", { timeoutMs: 15000 });
    await check("ledger");
    await session.click("ledger-back");
    await session.click("open-transfer");
    await session.waitFor("transfer");
    await check("transfer");
    await session.click("transfer-back");
    await session.click("open-clerks");
    await session.waitFor("clerks");
    await check("clerks");
    await session.click("clerks-back");
    await session.click("new-application");
    await session.waitFor("intake", { timeoutMs: 15000 });
    await check("intake");
    await session.click("back-home");
    await session.waitFor("home");
  }

  it("sizes the window to 1024×768", async () => {
    await session.cmd("POST", "/window/rect", { x: 0, y: 0, width: 1024, height: 768 });
    await new Promise((resolve) => setTimeout(resolve, 800));
    const width = await run("return window.innerWidth;");
    assert.ok(width <= 1024 && width >= 1000, `the window is ${width} px wide`);
  });

  it("every main screen fits at the standard text size", async () => {
    assert.equal(await session.text("text-size"), "字号：标准");
    await everyScreen();
  });

  it("an accepted case's page fits", async () => {
    await session.click("new-application");
    await session.waitFor("intake");
    await fillJiandeApplication(session, { name: "陈静", phone: "13812345678" });
    await session.waitFor("assessment-decision", { contains: "符合受理条件", timeoutMs: 15000 });
    assert.equal(await submitAndConfirm(session), "受理");
    await session.waitFor("case-state", { contains: "已受理" });
    await check("case");
  });

  it("every main screen fits at 特大 (125 %), chosen in the header and kept", async () => {
    await session.click("case-back");
    await session.click("text-size");
    assert.equal(await session.text("text-size"), "字号：大");
    await session.click("text-size");
    assert.equal(await session.text("text-size"), "字号：特大");
    assert.equal(await run("return getComputedStyle(document.documentElement).fontSize;"), "20px");
    await everyScreen();
    await session.click("open-ledger");
    await session.waitFor("ledger-line", { timeoutMs: 15000 });
    await session.clickCss('[data-testid="ledger-line"] td:nth-child(2)');
    await session.waitFor("case-state", { contains: "已受理" });
    await check("case");
  });
});
