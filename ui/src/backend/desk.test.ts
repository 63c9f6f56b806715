import { afterEach, describe, expect, it, vi } from "vitest";

// The shell's IPC, as a joined desk's window has it: `desk_request` answers as the office
// server would, or fails as a broken link does.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (command: string, args: unknown) => invoke(command, args),
  Channel: class {},
}));

afterEach(() => {
  invoke.mockReset();
  vi.useRealTimers();
});

describe("a joined desk's requests", () => {
  it("cross to the shell with the page's key and token, and come back as the server answered", async () => {
    const { deskFetch } = await import("./desk");
    const { httpBackend, forgetSession } = await import("./http");
    forgetSession();
    invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
      expect(command).toBe("desk_request");
      if (args.command === "log_in") {
        return { status: 200, body: JSON.stringify({ username: "a" }), csrf: "token-1" };
      }
      return { status: 401, body: JSON.stringify({ code: "NOT_LOGGED_IN", message: "请登录。", fields: [] }), csrf: null };
    });
    const desk = httpBackend(deskFetch);
    await expect(desk.logIn("a", "pw")).resolves.toEqual({ username: "a" });
    const sent = invoke.mock.calls[0][1] as Record<string, unknown>;
    expect(sent.command).toBe("log_in");
    expect(JSON.parse(sent.body as string)).toEqual({ username: "a", password: "pw" });
    expect(typeof sent.idempotencyKey).toBe("string");

    // The token the server gave rides on the next request; the server's refusal is typed.
    await expect(desk.worklistCounts()).rejects.toMatchObject({ code: "NOT_LOGGED_IN" });
    expect((invoke.mock.calls[1][1] as Record<string, unknown>).csrf).toBe("token-1");
  });

  it("retry a broken link under the same key, then say the server is unreachable", async () => {
    vi.useFakeTimers();
    const { deskFetch } = await import("./desk");
    const { httpBackend } = await import("./http");
    invoke.mockRejectedValue({ code: "SERVER_UNREACHABLE", message: "与办理点服务器的连接中断。", fields: [] });
    const answer = httpBackend(deskFetch).worklistCounts();
    const failed = expect(answer).rejects.toMatchObject({ code: "SERVER_UNREACHABLE" });
    await vi.advanceTimersByTimeAsync(5_000);
    await failed;
    const keys = invoke.mock.calls.map((call) => (call[1] as Record<string, unknown>).idempotencyKey);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(1);
  });

  it("say at once when what answers is not the office's server (no retries)", async () => {
    const { deskFetch } = await import("./desk");
    const { httpBackend } = await import("./http");
    invoke.mockRejectedValue({ code: "NOT_AN_OFFICE_SERVER", message: "此地址上的服务不是本办理点的服务器。", fields: [] });
    await expect(httpBackend(deskFetch).worklistCounts()).rejects.toMatchObject({ code: "NOT_AN_OFFICE_SERVER" });
    expect(invoke).toHaveBeenCalledTimes(1);
  });
});
