import { afterEach, describe, expect, it } from "vitest";
import { defineComponent, h } from "vue";
import { flushPromises, mount, type VueWrapper } from "@vue/test-utils";
import App from "./App.vue";
import { setBackend, type Backend, type SessionInfo } from "./backend";
import { appInfo, caseInfo, fakeBackend, printBackend } from "./backend/testing";
import { draft, resetDraft } from "./stores/draft";
import { office } from "./stores/session";

const ADMIN: SessionInfo = { username: "admin", display_name: "管理员", roles: ["admin", "accept"], password_from_admin: false };
const OTHER: SessionInfo = { username: "clerk2", display_name: "受理员乙", roles: ["accept", "admin"], password_from_admin: false };

/** The form, stubbed: "typing" changes the draft as the real form would (its first save has
 *  given the case its id); "submit" reports an accepted case. */
const IntakeStub = defineComponent({
  name: "IntakeView",
  emits: ["back", "submitted"],
  setup(_props, { emit }) {
    return () =>
      h("div", { "data-testid": "intake" }, [
        h("button", {
          "data-testid": "stub-type",
          onClick: () => {
            draft.caseId = "case-typed";
            draft.record.applicant.name = "陈静";
          },
        }),
        h("button", { "data-testid": "stub-submit", onClick: () => emit("submitted", "case-1", "receipt") }),
      ]);
  },
});

function appBackend(calls: string[], previews: { document: string; largePrint: boolean | undefined }[]): Backend {
  const sessions: Record<string, SessionInfo> = { admin: ADMIN, clerk2: OTHER };
  return fakeBackend({
    ...printBackend(previews),
    officeStatus: async () => ({ exists: true, office_id: "330182-jiande-01", session: ADMIN, idle_lock_minutes: 10 }),
    getAppInfo: async () => appInfo("2026-12-04", "/tmp"),
    syncStatus: async () => {
      throw new Error("offline in tests");
    },
    worklistCounts: async () => [],
    worklist: async () => [],
    listClerks: async () => [],
    lockScreen: async () => {
      calls.push("lockScreen");
    },
    logOut: async () => {
      calls.push("logOut");
    },
    logIn: async (username) => sessions[username],
    saveDraft: async (caseId, record) => {
      calls.push(`saveDraft ${caseId} ${record.applicant.name}`);
      return { case_id: caseId, outcome: "updated", reopened: false, saved_at: "09:31:00", version: 2 };
    },
    getCase: async () => caseInfo({ id: "case-1" }),
    caseAudit: async () => [],
    listProfiles: async () => [],
  });
}

async function start(
  desk: "window" | "browser" = "window",
): Promise<{ wrapper: VueWrapper; calls: string[]; previews: { document: string; largePrint: boolean | undefined }[] }> {
  const calls: string[] = [];
  const previews: { document: string; largePrint: boolean | undefined }[] = [];
  setBackend(appBackend(calls, previews), desk);
  const wrapper = mount(App, { global: { stubs: { IntakeView: IntakeStub, PdfPreview: true } } });
  await flushPromises();
  return { wrapper, calls, previews };
}

async function lockAndLogIn(wrapper: VueWrapper, username: string): Promise<void> {
  await wrapper.get('[data-testid="lock"]').trigger("click");
  await flushPromises();
  expect(wrapper.find('[data-testid="login"]').exists()).toBe(true);
  await wrapper.get('[data-testid="login-username"]').setValue(username);
  await wrapper.get('[data-testid="login-password"]').setValue("pass-word-1");
  await wrapper.get('[data-testid="login"] form').trigger("submit");
  await flushPromises();
}

let mounted: VueWrapper | undefined;
afterEach(() => {
  mounted?.unmount();
  mounted = undefined;
  office.status = null;
  office.lockedFor = null;
  resetDraft();
});

describe("App", () => {
  it("keeps the open screen through a lock for the same clerk; another clerk starts at home", async () => {
    const { wrapper, calls } = await start();
    mounted = wrapper;
    await wrapper.get('[data-testid="open-clerks"]').trigger("click");
    await flushPromises();
    expect(wrapper.find('[data-testid="clerks"]').exists()).toBe(true);

    await lockAndLogIn(wrapper, "admin");
    expect(calls).toEqual(["lockScreen"]);
    expect(wrapper.find('[data-testid="clerks"]').exists()).toBe(true);

    await lockAndLogIn(wrapper, "clerk2");
    expect(wrapper.find('[data-testid="clerks"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="home"]').exists()).toBe(true);
  });

  it("saves the form being typed before the store locks, and shows it again after log-in", async () => {
    const { wrapper, calls } = await start();
    mounted = wrapper;
    await wrapper.get('[data-testid="new-application"]').trigger("click");
    await flushPromises();
    await wrapper.get('[data-testid="stub-type"]').trigger("click");

    await lockAndLogIn(wrapper, "admin");
    expect(calls).toEqual(["saveDraft case-typed 陈静", "lockScreen"]);
    expect(wrapper.find('[data-testid="intake"]').exists()).toBe(true);
    expect(draft.record.applicant.name).toBe("陈静");

    // Nothing typed since: the next lock writes nothing.
    await lockAndLogIn(wrapper, "admin");
    expect(calls).toEqual(["saveDraft case-typed 陈静", "lockScreen", "lockScreen"]);
  });

  it("opens the case page with the submitted document's preview; a lock does not reopen it", async () => {
    const { wrapper, previews } = await start();
    mounted = wrapper;
    await wrapper.get('[data-testid="new-application"]').trigger("click");
    await flushPromises();
    await wrapper.get('[data-testid="stub-submit"]').trigger("click");
    await flushPromises();
    expect(wrapper.find('[data-testid="case"]').exists()).toBe(true);
    expect(previews).toEqual([{ document: "receipt", largePrint: undefined }]);
    expect(wrapper.find('[data-testid="preview"]').exists()).toBe(true);

    await lockAndLogIn(wrapper, "admin");
    expect(wrapper.find('[data-testid="case"]').exists()).toBe(true);
    expect(previews.length).toBe(1);
  });

  it("a browser desk names itself and shows none of the counter PC's devices", async () => {
    const { wrapper } = await start("browser");
    mounted = wrapper;
    expect(wrapper.get('[data-testid="browser-desk"]').text()).toBe("浏览器办理台");
    expect(wrapper.find('[data-testid="applicant-screen-toggle"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="card-reader-status"]').exists()).toBe(false);
    mounted.unmount();
    const window = await start();
    mounted = window.wrapper;
    expect(mounted.find('[data-testid="browser-desk"]').exists()).toBe(false);
    expect(mounted.find('[data-testid="applicant-screen-toggle"]').exists()).toBe(true);
    expect(mounted.find('[data-testid="card-reader-status"]').exists()).toBe(true);
  });

  it("logging out returns to the home screen", async () => {
    const { wrapper, calls } = await start();
    mounted = wrapper;
    await wrapper.get('[data-testid="open-office"]').trigger("click");
    await flushPromises();
    expect(wrapper.find('[data-testid="office"]').exists()).toBe(true);
    await wrapper.get('[data-testid="log-out"]').trigger("click");
    await flushPromises();
    expect(calls).toEqual(["logOut"]);
    await wrapper.get('[data-testid="login-username"]').setValue("admin");
    await wrapper.get('[data-testid="login-password"]').setValue("pass-word-1");
    await wrapper.get('[data-testid="login"] form').trigger("submit");
    await flushPromises();
    expect(wrapper.find('[data-testid="home"]').exists()).toBe(true);
  });
});

describe("App footer", () => {
  it("names the build and opens 关于 with the profiles, holiday years and data folder", async () => {
    const { wrapper } = await start();
    expect(wrapper.get('[data-testid="app-footer"]').text()).toContain("数据库结构 8");
    await wrapper.get('[data-testid="open-about"]').trigger("click");
    const about = wrapper.get('[data-testid="about"]');
    expect(about.get('[data-testid="about-holidays"]').text()).toBe("2023、2024、2025、2026");
    expect(about.get('[data-testid="about-profiles"]').text()).toContain("建德市");
    expect(about.get('[data-testid="about-data-dir"]').text()).toBe("/tmp");
    await wrapper.get('[data-testid="about-close"]').trigger("click");
    expect(wrapper.find('[data-testid="about"]').exists()).toBe(false);
    wrapper.unmount();
  });
});
