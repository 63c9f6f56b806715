// The Annex 1 form, end to end: a clerk fills a complete application and sees it can be
// accepted; an incomplete one lists every missing item in the words of the notice.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fillJiandeApplication, keepScreenshot, setUpOffice, startApp } from "./harness.mjs";

describe("application form (Annex 1)", () => {
  let session;
  before(async () => {
    session = await startApp();
    await setUpOffice(session, ["accept"]);
    await session.waitFor("new-application");
    await session.click("new-application");
    await session.waitFor("intake");
  });
  after(async () => {
    await session?.quit();
  });
  afterEach(async (t) => {
    if (session) await keepScreenshot(session, `intake-${t.name}`);
  });

  it("accepts a complete registration-time application under Jiande's rules", async () => {
    await fillJiandeApplication(session);
    const decision = await session.waitFor("assessment-decision", { contains: "符合受理条件" });
    assert.match(decision, /材料齐全/);
    assert.equal(await session.count("notice-item"), 0, "nothing is missing");
    assert.match(await session.text("assessment-due"), /\d{4}-\d{2}-\d{2}/, "the deadline if accepted today is shown");
  });

  it("lists every missing item at once for an incomplete application", async () => {
    // The complete form above was saved as a draft: clearing withdraws it (after a confirm),
    // so 草稿 is left empty rather than holding an application nobody will finish.
    await session.waitFor("save-state", { contains: "已自动保存" });
    await session.click("f-clear");
    const confirm = await session.waitFor("confirm-clear");
    assert.match(confirm, /已撤回/);
    await session.click("confirm-clear-yes");
    for (let i = 0; i < 50 && (await session.exists("confirm-clear")); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(await session.exists("confirm-clear"), false, "the draft was withdrawn and the form cleared");
    assert.equal(await session.exists("confirm-clear-error"), false);
    // Only the ID number of a 10-year-old, nothing else: the notice must name it all.
    await session.type("id-number-input", "330182201601010026");
    await session.waitFor("assessment-decision", { contains: "一次性告知" });
    await session.waitFor("f-guardian-name"); // a minor brings up the guardian section
    // The form re-assesses as sections appear: read the notice once it has settled.
    let codes = [];
    for (let i = 0; i < 25; i++) {
      const before = (await session.attributes("notice-item", "data-code")).join();
      await new Promise((resolve) => setTimeout(resolve, 200));
      codes = await session.attributes("notice-item", "data-code");
      if (codes.join() === before) break;
    }
    const fields = await session.attributes("notice-item", "data-field-path");
    // The ID number filled gender and the household province/county; everything else is named.
    for (const expected of [
      "applicant.name",
      "applicant.ethnic_group",
      "household_registration.address",
      "current_address.county_code",
      "current_address.address",
      "recognition_type",
      "evidence",
      "declaration.signed",
    ]) {
      assert.ok(fields.includes(expected), `the notice names ${expected}; it has ${fields.join(", ")}`);
    }
    assert.ok(fields.some((f) => f.startsWith("guardian")), `the notice asks for the guardian: ${fields.join(", ")}`);
    assert.ok(codes.includes("EVIDENCE_NONE") && codes.includes("RECOGNITION_TYPE_MISSING"), codes.join(", "));
    assert.ok(!fields.includes("phone_number"), "the phone is optional (not on Annex 1)");
    const texts = await session.texts("notice-item");
    assert.equal(texts.length, codes.length);
    assert.ok(texts.every((text) => /[\u4e00-\u9fff]/.test(text)), "every item is a Chinese sentence");
  });
});
