import { describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import ScanPanel from "./ScanPanel.vue";
import { IpcError, setBackend, type PagesInfo } from "../backend";
import { fakeBackend } from "../backend/testing";

// A joined desk's own scanner is the shell's (invoke); its pages go to the office server.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (command: string, args: unknown) => invoke(command, args),
  Channel: class {
    onmessage: ((message: unknown) => void) | null = null;
  },
}));

const JOINED = { server_url: "https://192.168.1.20:8443", desk_name: "二号窗口", office_id: "330182-jiande-01", ca_fingerprint: "AB" };

describe("ScanPanel at a joined desk", () => {
  it("scans on this PC's scanner, uploads each page, and says which pages to scan again when the upload breaks", async () => {
    const uploaded: string[] = [];
    setBackend(
      fakeBackend({
        listPages: async (): Promise<PagesInfo> => ({ pages: [], unproven: [] }),
        importPage: async (_caseId, dataUrl) => {
          if (uploaded.length === 1) {
            throw new IpcError({ code: "SERVER_UNREACHABLE", message: "与办理点服务器的连接中断。", fields: [] });
          }
          uploaded.push(dataUrl);
          return { pages: [], unproven: [] };
        },
      }),
      "joined",
      JOINED,
    );
    invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
      if (command === "list_scanners") return [{ name: "test:0", label: "Noname frontend-tester", kind: "virtual device" }];
      if (command === "scan_at_desk") {
        expect(args.scan).toMatchObject({ device: "test:0", pages: 1 });
        return { pages: ["data:image/png;base64,AAAA", "data:image/png;base64,BBBB", "data:image/png;base64,CCCC"], stopped: null };
      }
      throw new Error(`unexpected ${command}`);
    });
    const wrapper = mount(ScanPanel, { props: { caseId: "c1" } });
    await flushPromises();
    expect((wrapper.get('[data-testid="scan-source"]').element as HTMLSelectElement).value).toBe("test:0");
    // This PC's watched folder is offered too (its files uploaded as the scanner's pages are).
    expect(wrapper.find('[data-testid="scan-source"] option[value="__folder__"]').exists()).toBe(true);
    await wrapper.get('[data-testid="scan-start"]').trigger("click");
    await flushPromises();
    expect(uploaded).toEqual(["data:image/png;base64,AAAA"]);
    const said = wrapper.get('[data-testid="scan-error"]').text();
    expect(said).toContain("连接中断");
    expect(said).toContain("前 1 页已上传");
    expect(said).toContain("其余 2 页未上传");
  });

  it("watches this PC's folder, uploads each new file, and tells the shell how each went", async () => {
    vi.useFakeTimers();
    const uploaded: string[] = [];
    setBackend(
      fakeBackend({
        listPages: async (): Promise<PagesInfo> => ({ pages: [], unproven: [] }),
        importPage: async (_caseId, dataUrl) => {
          if (dataUrl.includes("BROKEN")) {
            throw new IpcError({ code: "SCAN_CORRUPT", message: "图像文件已损坏，无法读取。", fields: [] });
          }
          if (dataUrl.includes("LATER")) {
            throw new IpcError({ code: "SERVER_UNREACHABLE", message: "与办理点服务器的连接中断。", fields: [] });
          }
          uploaded.push(dataUrl);
          return { pages: [], unproven: [] };
        },
      }),
      "joined",
      JOINED,
    );
    const done: [string, string][] = [];
    invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
      if (command === "list_scanners") return [];
      if (command === "scan_folder") return "/home/clerk/扫描";
      if (command === "set_scan_folder") return args.folder;
      if (command === "take_desk_folder_files") {
        return {
          files: [
            { name: "a.jpg", data_url: "data:image/jpeg;base64,GOOD" },
            { name: "b.jpg", data_url: "data:image/jpeg;base64,BROKEN" },
            { name: "c.jpg", data_url: "data:image/jpeg;base64,LATER" },
            { name: "d.jpg", data_url: "data:image/jpeg;base64,GOOD-TOO" },
          ],
          refused: [{ name: "huge.tif", code: "SCAN_TOO_LARGE", message: "文件太大。" }],
        };
      }
      if (command === "desk_folder_file_done") {
        done.push([args.name as string, args.outcome as string]);
        return null;
      }
      throw new Error(`unexpected ${command}`);
    });
    const wrapper = mount(ScanPanel, { props: { caseId: "c1" } });
    await flushPromises();
    await wrapper.get('[data-testid="scan-source"]').setValue("__folder__");
    await flushPromises();
    expect(invoke).toHaveBeenCalledWith("set_scan_folder", { folder: "/home/clerk/扫描" });
    await vi.advanceTimersByTimeAsync(2100);
    await flushPromises();
    expect(uploaded).toEqual(["data:image/jpeg;base64,GOOD"]);
    expect(done).toEqual([
      ["a.jpg", "stored"],
      ["b.jpg", "refused"],
      ["c.jpg", "retry"],
      // Not tried once the server did not answer: it comes again at a later poll.
      ["d.jpg", "retry"],
    ]);
    const refused = wrapper.findAll('[data-testid="scan-folder-refused"]').map((line) => line.text());
    expect(refused).toEqual(["huge.tif：文件太大。", expect.stringContaining("b.jpg：")]);
    expect(wrapper.get('[data-testid="scan-folder-watching"]').text()).toContain("1");
    wrapper.unmount();
    vi.useRealTimers();
  });
});
