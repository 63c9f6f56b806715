import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import { defineComponent, h, nextTick, reactive } from "vue";
import { IpcError, setBackend, type AssessmentInfo } from "../backend";
import { JIANDE, fakeBackend, signInAs } from "../backend/testing";
import { emptyRecord } from "../record";
import { draft, loadDraft, resetDraft } from "../stores/draft";
import { office } from "../stores/session";
import { useDraftAutosave } from "./useDraftAutosave";
import { useLiveAssessment } from "./useLiveAssessment";

/** Mounts a component whose setup runs `use` and hands back what it returned. */
function host<T>(use: () => T): { value: T; unmount: () => void } {
  let value: T | undefined;
  const wrapper = mount(defineComponent({ setup: () => ((value = use()), () => h("div")) }));
  return { value: value as T, unmount: () => wrapper.unmount() };
}

const answerFor = (name: string): AssessmentInfo => ({
  decision: "accept",
  profile: JIANDE,
  items: [],
  unscanned: [],
  due_if_accepted_today: name,
  due_estimate: null,
  paper_slip_needed: false,
});

beforeEach(() => {
  vi.useFakeTimers();
  resetDraft();
  signInAs(["accept"]);
});
afterEach(() => {
  vi.useRealTimers();
  office.status = null;
});

describe("useLiveAssessment", () => {
  it("asks 250 ms after the last change, and an older answer arriving late never wins", async () => {
    const asked: string[] = [];
    const pending: ((answer: AssessmentInfo) => void)[] = [];
    setBackend(
      fakeBackend({
        assessApplication: (record) => {
          asked.push(record.applicant.name);
          return new Promise((resolve) => pending.push(resolve));
        },
      }),
    );
    const input = reactive({ record: emptyRecord(), profile: "330182", caseId: null as string | null });
    const { value: live, unmount } = host(() => useLiveAssessment(() => input));
    input.record.applicant.name = "张";
    await nextTick();
    input.record.applicant.name = "张伟";
    await nextTick();
    vi.advanceTimersByTime(249);
    expect(asked, "still typing").toEqual([]);
    vi.advanceTimersByTime(1);
    expect(asked, "one question for the two keystrokes").toEqual(["张伟"]);

    const now = live.now(); // the clerk submits: asked again at once
    expect(asked).toEqual(["张伟", "张伟"]);
    pending[1](answerFor("newer"));
    await now;
    pending[0](answerFor("older"));
    await flushPromises();
    expect(live.assessment.value?.due_if_accepted_today, "the late older answer is dropped").toBe("newer");
    unmount();
  });
});

describe("useDraftAutosave", () => {
  it("saves 400 ms after typing, once per form even when a submit saves at the same moment", async () => {
    let created = 0;
    const saved: string[] = [];
    setBackend(
      fakeBackend({
        newCase: async () => `case-${++created}`,
        saveDraft: async (caseId, record) => {
          saved.push(`${caseId}:${record.applicant.name}`);
          return { case_id: caseId, outcome: "updated", reopened: false, saved_at: "09:00:00", version: 2 };
        },
      }),
    );
    const { value: autosave, unmount } = host(() => useDraftAutosave(() => false));
    draft.record.applicant.name = "李娜";
    await nextTick();
    vi.advanceTimersByTime(400);
    const submitting = autosave.save(); // Ctrl+Enter while the auto-save creates the case
    await submitting;
    await flushPromises();
    expect(created, "one case for one form").toBe(1);
    expect(saved).toEqual(["case-1:李娜", "case-1:李娜"]);
    expect(autosave.state.value).toEqual({ kind: "saved", text: expect.stringContaining("09:00:00") });

    // A change still waiting is saved when the form closes.
    draft.record.applicant.name = "李娜娜";
    await nextTick();
    unmount();
    await flushPromises();
    expect(saved.at(-1)).toBe("case-1:李娜娜");
  });

  it("on a full disk says so, keeps the form as typed, and saves it once there is room", async () => {
    let full = true;
    const saved: string[] = [];
    setBackend(
      fakeBackend({
        newCase: async () => "case-1",
        saveDraft: async (caseId, record) => {
          if (full) {
            const message = "磁盘空间已满，本次内容未保存（此前保存的内容不受影响）。窗口中填写的内容仍在：请清理磁盘或联系管理员，腾出空间后再保存。";
            throw new IpcError({ code: "DISK_FULL", message, fields: [] });
          }
          saved.push(`${caseId}:${record.applicant.name}`);
          return { case_id: caseId, outcome: "created", reopened: false, saved_at: "09:01:00", version: 1 };
        },
      }),
    );
    const { value: autosave, unmount } = host(() => useDraftAutosave(() => false));
    draft.record.applicant.name = "赵敏";
    expect(await autosave.save()).toBe(false);
    expect(autosave.state.value.kind).toBe("error");
    expect(autosave.state.value.text).toContain("磁盘空间已满");
    expect(draft.record.applicant.name, "the form keeps what was typed").toBe("赵敏");

    full = false; // the administrator freed space
    expect(await autosave.save()).toBe(true);
    expect(saved).toEqual(["case-1:赵敏"]);
    unmount();
  });

  it("saves from the version it last loaded or saved, and on another desk's change says so and keeps the form", async () => {
    const bases: (number | null | undefined)[] = [];
    let stored = 7;
    setBackend(
      fakeBackend({
        saveDraft: async (caseId, _record, _slip, baseVersion) => {
          bases.push(baseVersion);
          if (baseVersion !== stored) {
            const message = "此草稿已在另一办理台修改（与本页不同 1 处），本次修改未保存。请从首页「草稿」重新打开该草稿，核对后再改。";
            throw new IpcError({ code: "CASE_CHANGED", message, fields: [{ field: "phone_number", code: "CHANGED_AT_ANOTHER_DESK", message: "另一办理台已修改此项" }] });
          }
          stored += 1;
          return { case_id: caseId, outcome: "updated", reopened: false, saved_at: "09:02:00", version: stored };
        },
      }),
    );
    loadDraft("case-7", emptyRecord(), false, 7);
    const { value: autosave, unmount } = host(() => useDraftAutosave(() => false));
    draft.record.applicant.name = "孙悦";
    expect(await autosave.save()).toBe(true);
    expect(draft.version, "the next save starts from this one").toBe(8);
    stored = 9; // another desk saved the same draft
    draft.record.applicant.name = "孙悦悦";
    expect(await autosave.save()).toBe(false);
    expect(bases).toEqual([7, 8]);
    expect(autosave.state.value.text).toContain("另一办理台");
    expect(draft.record.applicant.name, "the form keeps what was typed").toBe("孙悦悦");
    unmount();
  });

  it("never saves a correction, an untouched form, or for a clerk without 受理", async () => {
    const calls: string[] = [];
    setBackend(
      fakeBackend({
        newCase: async () => (calls.push("new"), "case-1"),
        saveDraft: async (caseId) => (calls.push("save"), { case_id: caseId, outcome: "updated", reopened: false, saved_at: "09:00:00", version: 2 }),
      }),
    );
    const correcting = host(() => useDraftAutosave(() => true));
    draft.record.applicant.name = "王强";
    expect(await correcting.value.save()).toBe(true);
    correcting.unmount();
    resetDraft();
    const blank = host(() => useDraftAutosave(() => false));
    expect(await blank.value.save(), "an untouched form is fine unsaved").toBe(true);
    blank.unmount();
    signInAs(["review"]);
    const reviewer = host(() => useDraftAutosave(() => false));
    draft.record.applicant.name = "王强";
    expect(await reviewer.value.save()).toBe(false);
    reviewer.unmount();
    await flushPromises();
    expect(calls).toEqual([]);
  });
});
