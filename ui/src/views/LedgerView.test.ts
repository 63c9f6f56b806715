import { afterEach, describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import LedgerView from "./LedgerView.vue";
import { IpcError, setBackend, type LedgerInfo } from "../backend";
import { fakeBackend, signInAs } from "../backend/testing";
import { office } from "../stores/session";

function ledgerInfo(from: string, to: string): LedgerInfo {
  return {
    from,
    to,
    truncated: false,
    summary: {
      total: 2,
      accepted: 1,
      late: 1,
      late_percent: 100,
      by_state: [{ label: "已受理", count: 1 }, { label: "不予受理", count: 1 }],
      by_type: [{ label: "居住登记时间互认", count: 2 }],
      by_deadline: [{ label: "已超期", count: 1 }, { label: "不计时", count: 1 }],
      by_clerk: [{ label: "王受理", count: 1 }],
    },
    lines: [
      {
        case: {
          id: "c1",
          state: "accepted",
          application_number: "33018201-20261201-0001",
          name: "陈静",
          id_number_masked: "330182********1234",
          due_date: "2026-12-03",
          overdue: true,
          accepted_by: "王受理",
          updated_at: "2026-12-01 09:00",
          synced: false,
        },
        recognition_type: "居住登记时间互认",
        profile: "330182",
        submitted_at: "2026-12-01 09:00",
        decided_at: null,
        deadline: "overdue",
      },
    ],
  };
}

describe("LedgerView", () => {
  afterEach(() => {
    office.status = null;
  });

  it("shows today's register with its counts, and the presets ask for this month and last month", async () => {
    const asked: [string, string][] = [];
    signInAs(["accept"]);
    setBackend(
      fakeBackend({
        ledger: async (from, to) => {
          asked.push([from, to]);
          return ledgerInfo(from, to);
        },
      }),
    );
    const wrapper = mount(LedgerView, { props: { today: "2026-12-04" } });
    await flushPromises();
    expect(asked).toEqual([["2026-12-04", "2026-12-04"]]);
    expect(wrapper.get('[data-testid="ledger-total"]').text()).toBe("申请 2 件");
    expect(wrapper.get('[data-testid="ledger-late"]').text()).toBe("超期 1 件（占受理 100%）");
    expect(wrapper.get('[data-testid="ledger-by-clerk"]').text()).toContain("王受理：1");
    const line = wrapper.get('[data-testid="ledger-line"]');
    expect(line.text()).toContain("已超期");
    expect(line.text()).toContain("已受理");
    await wrapper.get('[data-testid="ledger-preset-month"]').trigger("click");
    await wrapper.get('[data-testid="ledger-preset-last-month"]').trigger("click");
    await flushPromises();
    expect(asked.slice(1)).toEqual([
      ["2026-12-01", "2026-12-04"],
      ["2026-11-01", "2026-11-30"],
    ]);
    await line.trigger("click");
    expect(wrapper.emitted("openCase")).toEqual([["c1"]]);
  });

  it("at a desk of the office server reads the register but leaves printing and exporting to the office's PC", async () => {
    signInAs(["accept"]);
    let printersAsked = false;
    setBackend(
      fakeBackend({
        ledger: async (from, to) => ledgerInfo(from, to),
        listPrinters: async () => {
          printersAsked = true;
          return [];
        },
      }),
      "browser",
    );
    const wrapper = mount(LedgerView, { props: { today: "2026-12-04" } });
    await flushPromises();
    expect(wrapper.get('[data-testid="ledger-total"]').text()).toBe("申请 2 件");
    expect(wrapper.find('[data-testid="ledger-out"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="ledger-at-desk"]').text()).toContain("办理点服务器所在电脑");
    expect(printersAsked).toBe(false);
    setBackend(fakeBackend({}));
  });

  it("says why a range is refused", async () => {
    signInAs(["admin"]);
    setBackend(
      fakeBackend({
        ledger: async () => {
          throw new IpcError({ code: "VALIDATION", message: "结束日期不能早于开始日期。", fields: [] });
        },
      }),
    );
    const wrapper = mount(LedgerView, { props: { today: "2026-12-04" } });
    await flushPromises();
    expect(wrapper.get('[data-testid="ledger-error"]').text()).toBe("结束日期不能早于开始日期。");
    expect(wrapper.find('[data-testid="ledger-summary"]').exists()).toBe(false);
  });

  it("prints the register shown on the office's printer and exports it to the stick picked", async () => {
    const printedRanges: [string, string, string][] = [];
    const exportedTo: string[] = [];
    signInAs(["approve"]);
    setBackend(
      fakeBackend({
        ledger: async (from, to) => ledgerInfo(from, to),
        listPrinters: async () => [
          { name: "Front", label: "前台打印机", is_default: true, preferred: false, ready: true },
          { name: "Office", label: "办理点打印机", is_default: false, preferred: true, ready: true },
        ],
        printLedger: async (from, to, printer) => {
          printedRanges.push([from, to, printer]);
          return { job: "Office-7", template: "ledger 1.0.0", printed_at: "2026-12-04 10:00" };
        },
        exportPlaces: async () => [
          { path: "/media/clerk/KINGSTON", label: "KINGSTON", removable: true, free_bytes: 2 * 1024 ** 3, total_bytes: 8 * 1024 ** 3 },
          { path: "/home/clerk", label: "本机主文件夹", removable: false, free_bytes: null, total_bytes: null },
        ],
        exportLedger: async (_from, _to, folder) => {
          exportedTo.push(folder);
          if (exportedTo.length > 1) {
            throw new IpcError({ code: "BUNDLE_FILE_NOT_FOUND", message: `找不到文件夹“${folder}”，请检查U盘是否已插好。`, fields: [] });
          }
          return { path: `${folder}/台账_20261204-20261204_20261204-100000.xlsx`, bytes: 6000, lines: 1 };
        },
      }),
    );
    const wrapper = mount(LedgerView, { props: { today: "2026-12-04" } });
    await flushPromises();
    expect((wrapper.get('[data-testid="ledger-printer"]').element as HTMLSelectElement).value).toBe("Office");
    await wrapper.get('[data-testid="ledger-print"]').trigger("click");
    await flushPromises();
    expect(printedRanges).toEqual([["2026-12-04", "2026-12-04", "Office"]]);
    expect(wrapper.get('[data-testid="ledger-printed"]').text()).toBe("台账已打印（作业 Office-7，2026-12-04 10:00）。");

    expect((wrapper.get('[data-testid="ledger-export-place-KINGSTON"] input').element as HTMLInputElement).checked).toBe(true);
    await wrapper.get('[data-testid="ledger-export"]').trigger("click");
    await flushPromises();
    expect(exportedTo).toEqual(["/media/clerk/KINGSTON"]);
    expect(wrapper.get('[data-testid="ledger-exported"]').text()).toBe(
      "已导出 1 件申请到：/media/clerk/KINGSTON/台账_20261204-20261204_20261204-100000.xlsx",
    );
    // The stick pulled: said next to the export, nothing else changes.
    await wrapper.get('[data-testid="ledger-export"]').trigger("click");
    await flushPromises();
    expect(wrapper.get('[data-testid="ledger-export-error"]').text()).toContain("U盘是否已插好");
    expect(wrapper.find('[data-testid="ledger-exported"]').exists()).toBe(false);
  });
});
