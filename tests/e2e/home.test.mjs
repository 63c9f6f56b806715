// The walking skeleton, end to end: the real window, the real command, the real domain.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { keepScreenshot, setUpOffice, startApp } from "./harness.mjs";

describe("home screen and ID-number round trip", () => {
  let session;
  before(async () => {
    session = await startApp();
    await setUpOffice(session, ["accept"]);
  });
  after(async () => {
    await session?.quit();
  });
  afterEach(async (t) => {
    if (session) await keepScreenshot(session, `home-${t.name}`);
  });

  it("opens the window with the Chinese home screen", async () => {
    const title = await session.waitFor("app-title");
    assert.equal(title, "浙江省居住证互认办理");
    assert.equal(await session.title(), "浙江省居住证互认办理");
    assert.match(await session.text("new-application"), /新建申请/);
  });

  it("decodes birth date and gender from a valid ID number", async () => {
    await session.clear("id-number-input");
    await session.type("id-number-input", "11010519491231002x");
    await session.waitFor("id-number-result");
    assert.equal(await session.text("id-birth-date"), "1949-12-31");
    assert.equal(await session.text("id-gender"), "女");
    assert.equal(await session.exists("id-number-error"), false, "no error for a valid number");
  });

  it("shows the Chinese error next to the field for a wrong check digit", async () => {
    await session.clear("id-number-input");
    await session.type("id-number-input", "110105194912310021");
    // It does not name the "right" last digit (a clerk would change it when the typo is
    // elsewhere): it asks for a check against the card, with the number grouped 6-8-4.
    const error = await session.waitFor("id-number-error", { contains: "逐位核对" });
    assert.doesNotMatch(error, /应为/);
    assert.match(await session.text("id-grouped"), /110105 19491231 0021/);
    assert.equal(await session.exists("id-number-result"), false, "no decoded result for an invalid number");
  });

  it("names the build in the footer and in 关于: schemas, profiles, holiday years, data folder", async () => {
    assert.match(await session.text("app-footer"), /版本 \d+\.\d+\.\d+ · 数据库结构 \d+ · 申请表数据 \d+ · 节假日 2023–\d{4}/);
    await session.click("open-about");
    await session.waitFor("about");
    assert.match(await session.text("about-profiles"), /建德市/);
    assert.match(await session.text("about-holidays"), /2026/);
    assert.equal(await session.text("about-data-dir"), session.dataDir);
    await new Promise((resolve) => setTimeout(resolve, 600)); // the window's paint catches up
    await keepScreenshot(session, "home-about");
    await session.click("about-close");
    assert.equal(await session.exists("about"), false);
  });

  it("opens the application form with 新建申请 and returns with Esc", async () => {
    await session.click("new-application");
    await session.waitFor("intake", { contains: "互认转换申请表" });
    await session.click("back-home");
    await session.waitFor("home");
  });
});
