import { afterEach, describe, expect, it, vi } from "vitest";
import { forgetSession, httpBackend } from "./http";
import { IpcError } from "./types";

type Call = { url: string; init: RequestInit };

/** A fetch that records each request and answers from `answers` in turn. */
function fakeFetch(answers: Array<Response | Error>) {
  const calls: Call[] = [];
  const impl = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (next === undefined) throw new Error("no answer left");
    if (next instanceof Error) throw next;
    return next;
  }) as unknown as typeof fetch;
  return { calls, impl };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

const header = (call: Call, name: string) => (call.init.headers as Record<string, string>)[name];

afterEach(() => {
  forgetSession();
  vi.useRealTimers();
});

describe("the browser desk's backend", () => {
  it("posts each command's arguments by the window's names, with the session's CSRF token once logged in", async () => {
    const session = { username: "b", display_name: "审核员乙", roles: ["review"] };
    const { calls, impl } = fakeFetch([
      json(200, session, { "x-permit-desk-csrf": "token-1" }),
      json(200, { state: "reviewed" }),
    ]);
    const backend = httpBackend(impl);
    await backend.logIn("b", "own-password-22");
    const page = await backend.reviewCase("case-1", "经审核，材料真实有效。");
    expect(page).toEqual({ state: "reviewed" });
    expect(calls.map((c) => c.url)).toEqual(["/api/log_in", "/api/review_case"]);
    expect(JSON.parse(calls[1].init.body as string)).toEqual({ caseId: "case-1", opinion: "经审核，材料真实有效。" });
    expect(header(calls[0], "x-permit-desk-csrf")).toBeUndefined();
    expect(header(calls[1], "x-permit-desk-csrf")).toBe("token-1");
    expect(header(calls[0], "idempotency-key")).not.toBe(header(calls[1], "idempotency-key"));
  });

  it("turns the server's {code, message, fields} into the same typed error as the window's", async () => {
    const refused = { code: "ROLE_MISSING", message: "您的账户没有办理此项业务的权限。", fields: [] };
    const { impl } = fakeFetch([json(403, refused), new Response("no such command", { status: 404 })]);
    const backend = httpBackend(impl);
    await expect(backend.approveCase("case-1", "同意。")).rejects.toMatchObject({ code: "ROLE_MISSING" });
    const missing = await backend.backupOffice("/media/usb").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(IpcError);
    expect((missing as IpcError).code).toBe("NOT_AT_THIS_DESK");
  });

  it("sends a request the network lost again under the same idempotency key, and says so when it gives up", async () => {
    vi.useFakeTimers();
    const { calls, impl } = fakeFetch([new TypeError("network"), json(200, [])]);
    const backend = httpBackend(impl);
    const lines = backend.worklist("awaiting_review");
    await vi.advanceTimersByTimeAsync(500);
    expect(await lines).toEqual([]);
    expect(calls).toHaveLength(2);
    expect(header(calls[0], "idempotency-key")).toBe(header(calls[1], "idempotency-key"));

    const down = fakeFetch([new TypeError("a"), new TypeError("b"), new TypeError("c"), new TypeError("d")]);
    const failing = httpBackend(down.impl).worklistCounts().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    const error = await failing;
    expect((error as IpcError).code).toBe("SERVER_UNREACHABLE");
    expect((error as IpcError).message).toContain("与办理点服务器的连接中断");
    expect(down.calls).toHaveLength(4);
  });

  it("refuses at the desk a command that needs the office PC's devices", async () => {
    const { calls, impl } = fakeFetch([]);
    const error = await httpBackend(impl)
      .scanPages("case-1", {} as Parameters<ReturnType<typeof httpBackend>["scanPages"]>[1], () => {})
      .catch((e: unknown) => e);
    expect((error as IpcError).code).toBe("NOT_AT_THIS_DESK");
    expect(calls).toHaveLength(0);
  });
});

describe("the browser desk's event stream", () => {
  it("listens to the server's case events and stops when asked", async () => {
    const { onCaseChangesInBrowser: onCaseChanges } = await import("./http");
    type Listener = (event: { data: string }) => void;
    const sources: { url: string; listeners: Record<string, Listener>; closed: boolean }[] = [];
    class FakeEventSource {
      entry: { url: string; listeners: Record<string, Listener>; closed: boolean };
      constructor(url: string) {
        this.entry = { url, listeners: {}, closed: false };
        sources.push(this.entry);
      }
      addEventListener(name: string, listener: Listener) {
        this.entry.listeners[name] = listener;
      }
      close() {
        this.entry.closed = true;
      }
    }
    vi.stubGlobal("EventSource", FakeEventSource);
    const heard: unknown[] = [];
    const stop = onCaseChanges((changed) => heard.push(changed));
    expect(sources.map((s) => s.url)).toEqual(["/api/events"]);
    sources[0].listeners.case({ data: '{"caseId":"c1","change":"review_case"}' });
    sources[0].listeners.case({ data: "{}" });
    sources[0].listeners.case({ data: "not json" });
    expect(heard).toEqual([{ caseId: "c1", change: "review_case" }, {}, {}]);
    stop();
    expect(sources[0].closed).toBe(true);
    vi.unstubAllGlobals();
  });
});
