import { describe, expect, it } from "vitest";
import { rekeyNotice, rekeyProblem } from "./rekey";

describe("the re-key's sentences", () => {
  it("says the revoked clerk's old copy no longer opens new data, with the generation", () => {
    const info = { generation: 2, needs_reset: [], server_unlock_removed: false, problem: null };
    expect(rekeyNotice(info, "周离职（zhou）")).toBe(
      "已停用 周离职（zhou）。数据库已换用新密钥（本办理点第 2 次更换），此人留存的旧文件副本打不开新数据。",
    );
    expect(rekeyProblem(info, "周离职（zhou）")).toBeNull();
  });

  it("names the clerks to re-enable and the server's unlock file that stopped working", () => {
    const info = { generation: 1, needs_reset: ["李四（li）", "王五（wang）"], server_unlock_removed: true, problem: null };
    const notice = rekeyNotice(info) ?? "";
    expect(notice.startsWith("数据库已换用新密钥（本办理点第 1 次更换）。")).toBe(true);
    expect(notice).toContain("重新启用");
    expect(notice).toContain("李四（li）、王五（wang）");
    expect(notice).toContain("permit-desk-server setup");
  });

  it("says a re-key that did not happen as an error that keeps the revocation", () => {
    const info = { generation: null, needs_reset: [], server_unlock_removed: false, problem: "所在磁盘已满。" };
    expect(rekeyNotice(info, "周离职（zhou）")).toBeNull();
    expect(rekeyProblem(info, "周离职（zhou）")).toBe(
      "已停用 周离职（zhou），但数据库未能换用新密钥：所在磁盘已满。 处理后请点击“立即换用新密钥”。",
    );
  });
});
