import { afterEach, describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import { errorMessage, reactionOf, REACTIONS } from "./errors";
import { IpcError, setBackend } from "./backend";
import { caseInfo, fakeBackend, JIANDE, printBackend, signInAs } from "./backend/testing";
import { office, session } from "./stores/session";
import CaseView from "./views/CaseView.vue";

afterEach(() => {
  office.status = null;
});

describe("the window's table of error codes", () => {
  it("a lost session goes back to the log-in screen, whatever view caught it", () => {
    signInAs(["accept"]);
    expect(session.value).not.toBeNull();
    const lost = new IpcError({ code: "NOT_LOGGED_IN", message: "请先登录。", fields: [] });
    expect(errorMessage(lost)).toBe("请先登录。");
    expect(session.value).toBeNull();
  });

  it("the backend's idle lock goes to the log-in screen for the same clerk", () => {
    signInAs(["accept"], "zhang");
    const locked = new IpcError({ code: "IDLE_LOCKED", message: "超过 10 分钟未操作，已自动锁屏（未保存的内容仍在窗口中），请重新登录。", fields: [] });
    expect(errorMessage(locked)).toContain("已自动锁屏");
    expect(session.value).toBeNull();
    expect(office.lockedFor).toBe("zhang");
  });

  it("other codes only show their sentence; what is not ours gets the general one", () => {
    signInAs(["accept"]);
    const refused = new IpcError({ code: "ROLE_MISSING", message: "您的账户没有办理此项业务的权限。", fields: [] });
    expect(errorMessage(refused)).toBe("您的账户没有办理此项业务的权限。");
    expect(session.value).not.toBeNull();
    expect(errorMessage(new TypeError("x"))).toBe("发生未预期的错误，请联系管理员。");
    expect(reactionOf(new TypeError("x"))).toBe("show");
    expect(REACTIONS.VALIDATION).toBe("fields");
    expect(REACTIONS.CASE_CHANGED).toBe("reload");
  });

  it("a case signed by someone else first is loaded again before the sentence is shown", async () => {
    signInAs(["review"]);
    let loads = 0;
    const accepted = caseInfo({ state: "accepted" });
    const reviewed = caseInfo({ state: "reviewed", state_label: "已审核", reviewed_by: "李审核" });
    setBackend(
      fakeBackend({
        ...printBackend([]),
        getCase: async () => (++loads === 1 ? accepted : reviewed),
        caseAudit: async () => [],
        listProfiles: async () => [JIANDE],
        reviewCase: async () => {
          throw new IpcError({ code: "CASE_CHANGED", message: "本案已被他人办理或页面已过期，请刷新后重试。", fields: [] });
        },
      }),
    );
    const wrapper = mount(CaseView, { props: { caseId: accepted.id }, global: { stubs: { PdfPreview: true } } });
    await flushPromises();
    expect(wrapper.get('[data-testid="case-state"]').attributes("data-state")).toBe("accepted");
    await wrapper.get('[data-testid="case-step"]').trigger("submit");
    await flushPromises();
    expect(loads).toBe(2);
    expect(wrapper.get('[data-testid="case-state"]').attributes("data-state")).toBe("reviewed");
    expect(wrapper.get('[data-testid="case-reviewed-by"]').text()).toBe("李审核");
    expect(wrapper.get('[data-testid="case-error"]').text()).toContain("已被他人办理");
    expect(wrapper.find('[data-testid="case-step"]').exists()).toBe(false);
  });
});
