import { afterEach, describe, expect, it } from "vitest";
import { flushPromises, mount, type VueWrapper } from "@vue/test-utils";
import SetupView from "./SetupView.vue";
import { IpcError, setBackend, type OfficeDetailsInput, type PrintSettingsInput, type RoleKey, type SessionInfo } from "../backend";
import { fakeBackend, searchCounties } from "../backend/testing";
import { office } from "../stores/session";

type SetUpCall = [OfficeDetailsInput, string, string, RoleKey[], PrintSettingsInput];

const TWO_PRINTERS = [
  { name: "PermitDeskPDF", label: "PermitDeskPDF", is_default: true, preferred: true, ready: true },
  { name: "Counter2", label: "柜台二号激光打印机", is_default: false, preferred: false, ready: true },
];

function firstRun(): void {
  office.status = { exists: false, office_id: null, session: null, idle_lock_minutes: 10 };
}

async function fillIn(wrapper: VueWrapper, station = "01"): Promise<void> {
  const county = wrapper.get('[data-testid="setup-county"]');
  await county.setValue("建德");
  await county.trigger("input");
  await flushPromises();
  await wrapper.get('[data-testid="setup-county-option-330182"]').trigger("mousedown");
  await wrapper.get('[data-testid="setup-station"]').setValue(station);
  await wrapper.get('[data-testid="setup-name"]').setValue(" 建德市公安局新安江派出所 ");
  await wrapper.get('[data-testid="setup-address"]').setValue("建德市新安江街道严州大道1号");
  await wrapper.get('[data-testid="setup-phone"]').setValue("0571-64712345");
  await wrapper.get('[data-testid="setup-password"]').setValue("admin-pass-1");
  await wrapper.get('[data-testid="setup-password-again"]').setValue("admin-pass-1");
  await wrapper.get('[data-testid="setup-role-accept"]').setValue(true);
}

afterEach(() => {
  office.status = null;
});

describe("SetupView", () => {
  it("sends the office's details with the administrator and previews the application numbers", async () => {
    firstRun();
    const calls: SetUpCall[] = [];
    const admin: SessionInfo = { username: "admin", display_name: "admin", roles: ["admin", "accept"], password_from_admin: false };
    setBackend(
      fakeBackend({
        searchDivisions: async (query) => searchCounties(query),
        listPrinters: async () => TWO_PRINTERS,
        setUpOffice: async (...args) => {
          calls.push(args);
          return admin;
        },
      }),
    );
    const wrapper = mount(SetupView);
    await flushPromises();
    // Until chosen: the county's policy decides the slip's size, the system's printer prints.
    expect((wrapper.get('[data-testid="setup-large-print"]').element as HTMLSelectElement).value).toBe("profile");
    expect((wrapper.get('[data-testid="setup-printer"]').element as HTMLSelectElement).value).toBe("");
    expect(wrapper.get('[data-testid="setup-printer-option-Counter2"]').text()).toBe("柜台二号激光打印机（Counter2）");
    expect(wrapper.find('[data-testid="setup-office"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="setup-prefix"]').attributes("data-complete")).toBe("false");
    await fillIn(wrapper);
    expect((wrapper.get('[data-testid="setup-county"]').element as HTMLInputElement).value).toBe("浙江省杭州市建德市");
    expect(wrapper.get('[data-testid="setup-prefix"]').text()).toBe("33018201-年月日-0001");
    expect(wrapper.text()).toContain("由县（市、区）公安局统一编排，同一县内不得重复");

    await wrapper.get('[data-testid="setup-large-print"]').setValue("large");
    await wrapper.get('[data-testid="setup-printer"]').setValue("Counter2");

    await wrapper.get("form").trigger("submit");
    await flushPromises();
    expect(calls).toEqual([
      [
        { county_code: "330182", station: "01", name: "建德市公安局新安江派出所", address: "建德市新安江街道严州大道1号", phone: "0571-64712345" },
        "admin",
        "admin-pass-1",
        ["accept"],
        { large_print: true, printer: "Counter2" },
      ],
    ]);
    expect(office.status?.session).toEqual(admin);
    expect(wrapper.find('[data-testid="setup-error"]').exists()).toBe(false);
  });

  it("shows the backend's field errors beside the fields", async () => {
    firstRun();
    const message = "建德市已有编号为 01 的办理点，请向县公安局确认本办理点的编号。";
    setBackend(
      fakeBackend({
        searchDivisions: async (query) => searchCounties(query),
        setUpOffice: async () => {
          throw new IpcError({
            code: "VALIDATION",
            message: "办理点信息有误，请按提示修改。",
            fields: [
              { field: "station", code: "OFFICE_STATION_TAKEN", message },
              { field: "name", code: "OFFICE_NAME_MISSING", message: "请填写办理点名称。" },
            ],
          });
        },
      }),
    );
    const wrapper = mount(SetupView);
    await fillIn(wrapper);
    await wrapper.get("form").trigger("submit");
    await flushPromises();
    expect(wrapper.get('[data-testid="setup-error-station"]').text()).toBe(message);
    expect(wrapper.get('[data-testid="setup-error-name"]').text()).toBe("请填写办理点名称。");
    expect(wrapper.find('[data-testid="setup-error-county_code"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="setup-station"]').classes()).toContain("is-invalid");
    expect(wrapper.get('[data-testid="setup-error"]').text()).toBe("办理点信息有误，请按提示修改。");
    expect(office.status?.session).toBeNull();
  });

  it("says when the printers cannot be listed and keeps the system's default", async () => {
    firstRun();
    const calls: SetUpCall[] = [];
    setBackend(
      fakeBackend({
        searchDivisions: async (query) => searchCounties(query),
        listPrinters: async () => {
          throw new IpcError({ code: "PRINT_SERVER_UNREACHABLE", message: "无法连接打印服务（CUPS）。", fields: [] });
        },
        setUpOffice: async (...args) => {
          calls.push(args);
          return { username: "admin", display_name: "admin", roles: ["admin"], password_from_admin: false };
        },
      }),
    );
    const wrapper = mount(SetupView);
    await flushPromises();
    expect(wrapper.get('[data-testid="setup-printers-error"]').text()).toContain("无法连接打印服务（CUPS）。");
    await fillIn(wrapper);
    await wrapper.get("form").trigger("submit");
    await flushPromises();
    expect(calls.map((call) => call[4])).toEqual([{ large_print: null, printer: null }]);
  });

  it("does not send mismatched passwords", async () => {
    firstRun();
    const calls: SetUpCall[] = [];
    setBackend(
      fakeBackend({
        searchDivisions: async (query) => searchCounties(query),
        setUpOffice: async (...args) => {
          calls.push(args);
          return { username: "admin", display_name: "admin", roles: ["admin"], password_from_admin: false };
        },
      }),
    );
    const wrapper = mount(SetupView);
    await fillIn(wrapper);
    await wrapper.get('[data-testid="setup-password-again"]').setValue("other-pass-2");
    await wrapper.get("form").trigger("submit");
    await flushPromises();
    expect(calls).toEqual([]);
    expect(wrapper.get('[data-testid="setup-error"]').text()).toBe("两次输入的密码不一致。");
  });
});
