// The administrator's 办理点信息 for an office set up from the command line before the
// details were kept in the store: the window says the details are missing, starts from
// what an old office.json held, and once saved retires the file. Then the county bureau's
// signed holiday table for 2027 (made with permitctl, as a bureau would) is loaded from a
// file picked in the window. And a new office's first-run set-up asking how it prints,
// changed later on the same page.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ADMIN, keepScreenshot, logIn, mountStick, setUpOffice, startApp } from "./harness.mjs";

const OLD_OFFICE = {
  office_format: 1,
  county_code: "330182",
  name: "建德市公安局洋溪派出所",
  address: "浙江省杭州市建德市洋溪街道洋安路2号",
  phone: "0571-64000001",
  issuing_authority: "建德市公安局",
};

describe("办理点信息 of an office set up from the command line", () => {
  let session;
  let dataDir;

  before(async () => {
    dataDir = mkdtempSync(join(process.env.E2E_DATA_ROOT ?? tmpdir(), "cli-office-"));
    const permitctl = join(dirname(process.env.E2E_APPLICATION), "permitctl");
    const out = execFileSync(
      permitctl,
      ["setup", "--data-dir", join(dataDir, "db"), "--user", ADMIN.username, "--office-id", "330182-yangxi"],
      { env: { ...process.env, PERMITCTL_PASSWORD: ADMIN.password }, encoding: "utf8" },
    );
    assert.equal(JSON.parse(out).office_id, "330182-yangxi");
    writeFileSync(join(dataDir, "office.json"), JSON.stringify(OLD_OFFICE));
    session = await startApp({ dataDir });
  });
  after(async () => {
    await session?.quit();
  });
  afterEach(async (t) => {
    if (session) await keepScreenshot(session, `office-${t.name}`);
  });

  it("starts from the old office.json, asks for the station and retires the file once saved", async () => {
    await logIn(session, ADMIN.username, ADMIN.password);
    await session.click("open-office");
    await session.waitFor("office-details-missing");
    assert.match(await session.text("office-details-suggested"), /office\.json/);
    assert.equal(await session.value("office-name"), OLD_OFFICE.name);
    assert.equal(await session.value("office-phone"), OLD_OFFICE.phone);
    assert.equal(await session.value("office-station"), "");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await keepScreenshot(session, "office-suggested");

    await session.type("office-station", "03");
    await session.click("office-save");
    await session.waitFor("office-confirm");
    assert.equal(await session.text("office-confirm-new"), "33018203-年月日-0001");
    await session.click("office-confirm-yes");
    await session.waitFor("office-saved");
    assert.equal(await session.text("office-current-prefix"), "33018203");
    assert.equal(await session.exists("office-details-missing"), false);
    assert.equal(existsSync(join(dataDir, "office.json")), false, "the old file is no longer read");
    const kept = JSON.parse(readFileSync(join(dataDir, "office.json.migrated"), "utf8"));
    assert.equal(kept.name, OLD_OFFICE.name, "kept under another name, not deleted");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await keepScreenshot(session, "office-saved");
  });

  it("loads the bureau's signed 2027 holiday table only with the bureau's key", async () => {
    const permitctl = join(dirname(process.env.E2E_APPLICATION), "permitctl");
    const run = (args) => JSON.parse(execFileSync(permitctl, args, { encoding: "utf8" }));
    const bureau = mkdtempSync(join(process.env.E2E_DATA_ROOT ?? tmpdir(), "bureau-"));
    const key = run(["reference", "keygen", "-o", join(bureau, "bureau.key")]);
    // A made-up table for the test, not the State Council's arrangement: every year from
    // 2027 (the program's table ends with 2026) to next year, whatever today is.
    const nextYear = Number(new Date().toLocaleDateString("en-CA", { timeZone: "Asia/Shanghai" }).slice(0, 4)) + 1;
    const table = { years: {} };
    for (let year = 2027; year <= nextYear; year++) {
      table.years[year] = { source: "test fixture", holidays: [`${year}-01-01`], adjusted_working_days: [] };
    }
    writeFileSync(join(bureau, "table.json"), JSON.stringify(table));
    const update = join(bureau, "holidays-2027.update.json");
    run(["reference", "sign", join(bureau, "table.json"), "--key", join(bureau, "bureau.key"), "--serial", "2026120101",
      "--issuer", "建德市公安局", "--issued-on", "2026-12-01", "-o", update]);

    await session.waitFor("reference-key-missing");
    assert.equal(await session.text("reference-years"), "2023–2026");
    await session.type("reference-key", key.public_key);
    await session.click("reference-key-save");
    await session.waitFor("reference-key-fingerprint");
    assert.equal(await session.text("reference-key-fingerprint"), key.fingerprint);

    await session.type("reference-file", update);
    await session.waitFor("reference-notice");
    assert.equal(await session.text("reference-years"), `2023–${nextYear}`);
    assert.match(await session.text("reference-loaded"), /编号 2026120101，建德市公安局，2026-12-01 签发/);
    // The header polls every 3 s: its warning goes once the table covers next year.
    for (let i = 0; i < 20 && (await session.exists("sync-holiday-warning")); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(await session.exists("sync-holiday-warning"), false, "the header's warning goes");

    // The same file again is not newer: refused, and said so.
    await session.type("reference-file", update);
    await session.waitFor("reference-error");
    assert.match(await session.text("reference-error"), /不比已载入的更新/);
    await session.cmd("POST", "/execute/sync", {
      script: "document.querySelector('[data-testid=\"reference\"]').scrollIntoView({ block: 'end' });",
      args: [],
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await keepScreenshot(session, "office-reference-loaded");

    // Then the bureau revises Jiande's document: a profiles update replaces the program's
    // own, and the page's default profile shows the new document at once.
    const jiande = JSON.parse(readFileSync(new URL("../../assets/profiles/330182-jiande.json", import.meta.url), "utf8"));
    jiande.document.number = "建政办函〔2026〕99号";
    writeFileSync(join(bureau, "profiles.json"), JSON.stringify({ profiles: [jiande] }));
    const profiles = join(bureau, "profiles.update.json");
    run(["reference", "sign", join(bureau, "profiles.json"), "--kind", "profiles", "--key", join(bureau, "bureau.key"),
      "--serial", "2026120201", "--issuer", "建德市公安局", "--issued-on", "2026-12-02", "-o", profiles]);
    assert.equal(await session.text("office-default-document"), "建政办函〔2024〕18号");
    await session.type("reference-file", profiles);
    await session.waitFor("reference-profiles", { contains: "建政办函〔2026〕99号" });
    assert.match(await session.text("reference-notice"), /已载入政策文件更新（1 个县（市、区），编号 2026120201/);
    await session.waitFor("office-default-document", { contains: "建政办函〔2026〕99号" });
    await session.cmd("POST", "/execute/sync", {
      script: "document.querySelector('[data-testid=\"reference\"]').scrollIntoView({ block: 'end' });",
      args: [],
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await keepScreenshot(session, "office-profiles-loaded");
  });
});

describe("打印设置 asked at set-up and changed on the office page; 诊断信息 to a stick", () => {
  let session;

  before(async () => {
    session = await startApp();
  });
  after(async () => {
    await session?.quit();
  });
  afterEach(async (t) => {
    if (session) await keepScreenshot(session, `print-settings-${t.name}`);
  });

  it("sets the slip's large print and the office's printer at set-up, then changes them", async () => {
    await setUpOffice(session, ["accept"], {
      beforeSubmit: async () => {
        // The private CUPS lists both queues; the system's default is chosen until changed.
        await session.waitFor("setup-printer-option-PermitDeskCounter2");
        assert.equal(await session.value("setup-printer"), "");
        assert.equal(await session.value("setup-large-print"), "profile");
        await session.clickCss('[data-testid="setup-large-print"] option[value="large"]');
        await session.click("setup-printer-option-PermitDeskCounter2");
        assert.equal(await session.value("setup-large-print"), "large");
        assert.equal(await session.value("setup-printer"), "PermitDeskCounter2");
        await session.cmd("POST", "/execute/sync", {
          script: "document.querySelector('[data-testid=\"setup-printer\"]').scrollIntoView({ block: 'center' });",
          args: [],
        });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await keepScreenshot(session, "setup-print-settings");
      },
    });

    await session.click("open-office");
    await session.waitFor("office-print");
    assert.equal(await session.value("office-large-print"), "large");
    assert.equal(await session.value("office-printer"), "PermitDeskCounter2");
    assert.match(await session.text("office-printer-option-PermitDeskCounter2"), /柜台二号打印机（PermitDeskCounter2）/);

    await session.clickCss('[data-testid="office-large-print"] option[value="profile"]');
    await session.clickCss('[data-testid="office-printer"] option[value=""]');
    await session.click("office-print-save");
    await session.waitFor("office-print-saved");
    assert.equal(await session.value("office-large-print"), "profile");
    assert.equal(await session.value("office-printer"), "");
    await session.cmd("POST", "/execute/sync", {
      script: "document.querySelector('[data-testid=\"office-print\"]').scrollIntoView({ block: 'center' });",
      args: [],
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await keepScreenshot(session, "office-print-settings");
  });

  it("writes the support file to a USB stick picked from the list, and a pulled stick is refused", async () => {
    const { path: stick, label, pull, remove } = mountStick();
    try {
      await session.waitFor("support");
      await session.click("support-places-refresh");
      await session.waitFor(`support-place-${label}`, { contains: "U盘" });
      await session.clickCss(`[data-testid="support-place-${label}"] input`);
      await session.click("support-export");
      const said = await session.waitFor("support-written", { timeoutMs: 20000 });
      const written = /已导出：(.+permit-desk-support-\d{8}-\d{6}\.json)（\d+ KB）/.exec(said)?.[1];
      assert.ok(written?.startsWith(stick), said);
      const bundle = JSON.parse(readFileSync(written, "utf8"));
      assert.equal(bundle.format, "permit-desk-support");
      assert.equal(bundle.office_id.startsWith("33018201"), true, bundle.office_id);
      await session.cmd("POST", "/execute/sync", {
        script: "document.querySelector('[data-testid=\"support\"]').scrollIntoView({ block: 'center' });",
        args: [],
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await keepScreenshot(session, "office-support-written");

      // Pulled while still chosen: the folder is left behind, but nothing is written to it.
      pull();
      await session.click("support-export");
      assert.match(await session.waitFor("support-error"), /U盘是否已插好/);
      assert.deepEqual(readdirSync(stick), [], "nothing landed on this PC's disk in the stick's place");
    } finally {
      remove();
    }
  });
});
