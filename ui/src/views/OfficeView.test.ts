import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import OfficeView from "./OfficeView.vue";
import { setBackend, type OfficeDetailsInput } from "../backend";
import { fakeBackend, officeBackend, officeState, signInAs } from "../backend/testing";
import { office } from "../stores/session";

const JIANDE_01: OfficeDetailsInput = {
  county_code: "330182",
  station: "01",
  name: "建德市公安局新安江派出所",
  address: "建德市新安江街道严州大道1号",
  phone: "0571-64712345",
};

function mountOffice(details: OfficeDetailsInput | null, desk: "window" | "browser" | "joined" = "window") {
  signInAs(["admin"]);
  const state = officeState(details);
  setBackend(fakeBackend(officeBackend(state)), desk);
  return { wrapper: mount(OfficeView), state };
}

afterEach(() => {
  office.status = null;
  setBackend(fakeBackend({}));
});

describe("OfficeView", () => {
  it("at a desk of the office server: the details, policy dates and a backup made by the server, not the office PC's printer, keys or diagnostics", async () => {
    for (const desk of ["browser", "joined"] as const) {
      const { wrapper } = mountOffice(JIANDE_01, desk);
      await flushPromises();
      expect(wrapper.find('[data-testid="office-form"]').exists()).toBe(true);
      expect(wrapper.find('[data-testid="effective-save-330105"]').exists()).toBe(true);
      expect(wrapper.find('[data-testid="office-print"]').exists()).toBe(false);
      expect(wrapper.get('[data-testid="office-at-desk"]').text()).toContain("办理点服务器所在电脑");
      // 备份 is the server's: no stick to pick here, the file goes beside the server's office.
      expect(wrapper.find('[data-testid="backup-places"]').exists()).toBe(false);
      const sent: string[] = [];
      vi.stubGlobal("fetch", async (url: string) => {
        sent.push(url);
        return new Response(
          JSON.stringify({ path: "/var/lib/permit-desk-server/backups/permit-desk-backup-x.backup", bytes: 2 * 1024 * 1024, created_at: "2026-12-06 19:30" }),
          { status: 200 },
        );
      });
      await wrapper.get('[data-testid="backup-start"]').trigger("submit");
      await flushPromises();
      expect(sent).toEqual(["/api/backup_at_server"]);
      expect(wrapper.get('[data-testid="backup-made"]').text()).toContain("已在办理点服务器上备份到 /var/lib/permit-desk-server/backups/");
      vi.unstubAllGlobals();
      wrapper.unmount();
    }
    const { wrapper } = mountOffice(JIANDE_01);
    await flushPromises();
    expect(wrapper.find('[data-testid="office-print"]').exists(), "the window keeps every card").toBe(true);
    expect(wrapper.find('[data-testid="office-at-desk"]').exists()).toBe(false);
  });

  it("records a draft policy document's effective date only after the confirm", async () => {
    const { wrapper, state } = mountOffice(JIANDE_01);
    await flushPromises();
    expect(wrapper.find('[data-testid="effective-330182"]').exists()).toBe(false); // in force already
    const save = wrapper.get('[data-testid="effective-save-330105"]');
    expect(save.attributes("disabled")).toBeDefined();

    await wrapper.get('[data-testid="effective-330105"]').setValue("2026-03-01");
    await save.trigger("click");
    const confirm = wrapper.get('[data-testid="effective-confirm"]');
    expect(confirm.text()).toContain("拱墅区");
    expect(confirm.text()).toContain("2026-03-01 起适用");
    expect(confirm.text()).toContain("审计");
    expect(state.effective).toEqual([]);

    await wrapper.get('[data-testid="effective-confirm-no"]').trigger("click");
    expect(wrapper.find('[data-testid="effective-confirm"]').exists()).toBe(false);
    expect(state.effective).toEqual([]);

    await wrapper.get('[data-testid="effective-save-330105"]').trigger("click");
    await wrapper.get('[data-testid="effective-confirm-yes"]').trigger("click");
    await flushPromises();
    expect(state.effective).toEqual([{ profile: "330105", date: "2026-03-01" }]);
    expect(wrapper.get('[data-testid="effective-saved"]').text()).toBe("已登记拱墅区政策文件的施行日期：2026-03-01。");
    expect(wrapper.find('[data-testid="effective-330105"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="effective-none"]').exists()).toBe(true);
  });

  it("changes the print settings; the save is enabled only by a change", async () => {
    const { wrapper, state } = mountOffice(JIANDE_01);
    state.print = { large_print: null, printer: "Gone" };
    await flushPromises();
    const save = wrapper.get('[data-testid="office-print-save"]');
    expect(save.attributes("disabled")).toBeDefined();
    // A printer chosen before and no longer listed stays chosen, marked, and explained.
    expect((wrapper.get('[data-testid="office-printer"]').element as HTMLSelectElement).value).toBe("Gone");
    expect(wrapper.get('[data-testid="office-printer-missing"]').text()).toContain("系统默认打印机");

    await wrapper.get('[data-testid="office-large-print"]').setValue("large");
    await wrapper.get('[data-testid="office-printer"]').setValue("PermitDeskPDF");
    expect(save.attributes("disabled")).toBeUndefined();
    await wrapper.get('[data-testid="office-print"]').trigger("submit");
    await flushPromises();
    expect(state.printSaved).toEqual([{ large_print: true, printer: "PermitDeskPDF" }]);
    expect(wrapper.get('[data-testid="office-print-saved"]').text()).toBe("打印设置已保存。");
    expect(wrapper.find('[data-testid="office-printer-missing"]').exists()).toBe(false);
    expect(save.attributes("disabled")).toBeDefined();
  });

  it("shows the default profile with its document number", async () => {
    const { wrapper } = mountOffice(JIANDE_01);
    await flushPromises();
    const profile = wrapper.get('[data-testid="office-default-profile"]');
    expect(profile.attributes("data-profile")).toBe("330182");
    expect(wrapper.get('[data-testid="office-default-document"]').text()).toBe("建政办发〔2025〕12号");
    expect(wrapper.find('[data-testid="office-provincial-default"]').exists()).toBe(false);
    expect((wrapper.get('[data-testid="office-county"]').element as HTMLInputElement).value).toBe("浙江省杭州市建德市");
  });

  it("saves the details after a confirm that shows the old and new application-number prefix", async () => {
    const { wrapper, state } = mountOffice(JIANDE_01);
    await flushPromises();
    expect(wrapper.get('[data-testid="office-current-prefix"]').text()).toBe("33018201");
    await wrapper.get('[data-testid="office-station"]').setValue("02");
    expect(wrapper.get('[data-testid="office-prefix"]').text()).toBe("33018202-年月日-0001");
    await wrapper.get('[data-testid="office-form"]').trigger("submit");
    expect(wrapper.get('[data-testid="office-confirm-old"]').text()).toBe("33018201-年月日-0001");
    expect(wrapper.get('[data-testid="office-confirm-new"]').text()).toBe("33018202-年月日-0001");
    expect(state.saved).toEqual([]);

    await wrapper.get('[data-testid="office-confirm-yes"]').trigger("click");
    await flushPromises();
    expect(state.saved).toEqual([{ ...JIANDE_01, station: "02" }]);
    expect(wrapper.get('[data-testid="office-saved"]').text()).toBe("办理点信息已保存。");
    expect(wrapper.get('[data-testid="office-current-prefix"]').text()).toBe("33018202");
  });

  it("shows a field error from the backend beside its field", async () => {
    const { wrapper, state } = mountOffice(JIANDE_01);
    await flushPromises();
    await wrapper.get('[data-testid="office-station"]').setValue("2");
    await wrapper.get('[data-testid="office-form"]').trigger("submit");
    await wrapper.get('[data-testid="office-confirm-yes"]').trigger("click");
    await flushPromises();
    expect(state.saved).toEqual([]);
    expect(wrapper.get('[data-testid="office-error-station"]').text()).toBe("办理点编号应为两位数字。");
  });

  it("asks an office set up before details existed to fill them in", async () => {
    const { wrapper } = mountOffice(null);
    await flushPromises();
    expect(wrapper.get('[data-testid="office-details-missing"]').text()).toContain("尚未登记办理点信息");
    expect(wrapper.find('[data-testid="office-provincial-default"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="office-current-prefix"]').exists()).toBe(false);
    await wrapper.get('[data-testid="office-form"]').trigger("submit");
    expect(wrapper.get('[data-testid="office-confirm-old"]').text()).toBe("（未设置）");
  });

  it("starts from an old office.json's details once, and the station is still to be given", async () => {
    signInAs(["admin"]);
    const state = officeState(null);
    state.suggested = { ...JIANDE_01, station: "" };
    setBackend(fakeBackend(officeBackend(state)));
    const wrapper = mount(OfficeView);
    await flushPromises();
    expect(wrapper.get('[data-testid="office-details-suggested"]').text()).toContain("office.json");
    expect((wrapper.get('[data-testid="office-name"]').element as HTMLInputElement).value).toBe(JIANDE_01.name);
    expect((wrapper.get('[data-testid="office-phone"]').element as HTMLInputElement).value).toBe(JIANDE_01.phone);
    expect((wrapper.get('[data-testid="office-station"]').element as HTMLInputElement).value).toBe("");

    await wrapper.get('[data-testid="office-station"]').setValue("01");
    await wrapper.get('[data-testid="office-form"]').trigger("submit");
    await wrapper.get('[data-testid="office-confirm-yes"]').trigger("click");
    await flushPromises();
    expect(state.saved).toEqual([JIANDE_01]);
    expect(wrapper.find('[data-testid="office-details-suggested"]').exists()).toBe(false);
  });
});
