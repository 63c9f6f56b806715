import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import ScanPanel from "./ScanPanel.vue";
import { IpcError, setBackend, type PageDto, type PagesInfo, type ScanProgress } from "../backend";
import { fakeBackend } from "../backend/testing";
import { t } from "../locales";

// The browser's camera boundary (navigator.mediaDevices) is faked here; everything on our
// side of it is the real component.

const empty: PagesInfo = { pages: [], unproven: [] };

type Track = { stop: ReturnType<typeof vi.fn>; getSettings: () => { deviceId: string } };
function fakeStream(deviceId: string): { stream: MediaStream; track: Track } {
  const track: Track = { stop: vi.fn(), getSettings: () => ({ deviceId }) };
  // happy-dom's own MediaStream, so <video>.srcObject accepts it; its tracks are ours.
  const stream = new MediaStream();
  stream.getTracks = () => [track] as unknown as MediaStreamTrack[];
  stream.getVideoTracks = () => [track] as unknown as MediaStreamTrack[];
  return { stream, track };
}

function named(name: string): Error {
  return Object.assign(new Error(name), { name });
}

let imported: { caseId: string; dataUrl: string; colour: string; evidence: string }[];
const originalMediaDevices = Object.getOwnPropertyDescriptor(navigator, "mediaDevices");

function setMediaDevices(value: unknown): void {
  Object.defineProperty(navigator, "mediaDevices", { value, configurable: true });
}

async function mountWithCamera() {
  const wrapper = mount(ScanPanel, { props: { caseId: "0192f0c6-0000-7000-8000-000000000001" }, attachTo: document.body });
  await flushPromises();
  await wrapper.get('[data-testid="scan-source"]').setValue("__camera__");
  await flushPromises();
  return wrapper;
}

beforeEach(() => {
  imported = [];
  setBackend(
    fakeBackend({
      listScanners: async () => [],
      listPages: async () => empty,
      importPage: async (caseId, dataUrl, colour, evidence) => {
        imported.push({ caseId, dataUrl, colour, evidence });
        return empty;
      },
    }),
  );
});

afterEach(() => {
  vi.restoreAllMocks();
  delete (HTMLVideoElement.prototype as { videoWidth?: number }).videoWidth;
  delete (HTMLVideoElement.prototype as { videoHeight?: number }).videoHeight;
  if (originalMediaDevices) Object.defineProperty(navigator, "mediaDevices", originalMediaDevices);
  else setMediaDevices(undefined);
  document.body.innerHTML = "";
});

describe("ScanPanel camera source", () => {
  it("names a missing camera in Chinese and keeps 拍照 disabled", async () => {
    const getUserMedia = vi.fn().mockRejectedValue(named("NotFoundError"));
    setMediaDevices({ getUserMedia, enumerateDevices: vi.fn().mockResolvedValue([]) });
    const wrapper = await mountWithCamera();
    expect(getUserMedia).toHaveBeenCalledOnce();
    expect(wrapper.get('[data-testid="scan-camera-error"]').text()).toBe(t("scan.cameraNotFound"));
    expect(wrapper.get('[data-testid="scan-camera-error"]').text()).toContain("未找到摄像头");
    expect(wrapper.get('[data-testid="scan-capture"]').attributes("disabled")).toBeDefined();
    expect(wrapper.find('[data-testid="scan-camera"]').exists()).toBe(false);
  });

  it("says when the permission is denied, and tries again on 重试", async () => {
    const getUserMedia = vi.fn().mockRejectedValue(named("NotAllowedError"));
    setMediaDevices({ getUserMedia, enumerateDevices: vi.fn().mockResolvedValue([]) });
    const wrapper = await mountWithCamera();
    expect(wrapper.get('[data-testid="scan-camera-error"]').text()).toBe(t("scan.cameraDenied"));
    expect(t("scan.cameraDenied")).toContain("权限");
    await wrapper.get('[data-testid="scan-camera-retry"]').trigger("click");
    await flushPromises();
    expect(getUserMedia).toHaveBeenCalledTimes(2);
  });

  it("says when another program holds the camera or the window has no camera support", async () => {
    setMediaDevices({ getUserMedia: vi.fn().mockRejectedValue(named("NotReadableError")) });
    let wrapper = await mountWithCamera();
    expect(wrapper.get('[data-testid="scan-camera-error"]').text()).toBe(t("scan.cameraBusy"));
    wrapper.unmount();
    setMediaDevices(undefined);
    wrapper = await mountWithCamera();
    expect(wrapper.get('[data-testid="scan-camera-error"]').text()).toBe(t("scan.cameraUnsupported"));
  });

  it("previews, lets the clerk choose among cameras and hands a JPEG frame to the backend", async () => {
    const first = fakeStream("cam-a");
    const second = fakeStream("cam-b");
    const getUserMedia = vi
      .fn()
      .mockImplementation(async (constraints: MediaStreamConstraints) =>
        (constraints.video as MediaTrackConstraints).deviceId ? second.stream : first.stream,
      );
    const enumerateDevices = vi.fn().mockResolvedValue([
      { kind: "audioinput", deviceId: "mic", label: "麦克风" },
      { kind: "videoinput", deviceId: "cam-a", label: "USB 高拍仪" },
      { kind: "videoinput", deviceId: "cam-b", label: "" },
    ]);
    setMediaDevices({ getUserMedia, enumerateDevices });
    vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    // happy-dom decodes no video: the preview's size is what a 2-megapixel camera gives.
    Object.defineProperty(HTMLVideoElement.prototype, "videoWidth", { get: () => 1600, configurable: true });
    Object.defineProperty(HTMLVideoElement.prototype, "videoHeight", { get: () => 1200, configurable: true });
    const drawImage = vi.fn();
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({ drawImage } as unknown as RenderingContext);
    const toDataURL = vi.spyOn(HTMLCanvasElement.prototype, "toDataURL").mockReturnValue("data:image/jpeg;base64,/9j/AA==");

    const wrapper = await mountWithCamera();
    expect(wrapper.find('[data-testid="scan-camera-error"]').exists()).toBe(false);
    const video = wrapper.get('[data-testid="scan-camera-preview"]').element as HTMLVideoElement;
    expect(video.srcObject).toBe(first.stream);
    const choices = wrapper.get('[data-testid="scan-camera"]').findAll("option");
    expect(choices.map((option) => option.text())).toEqual(["USB 高拍仪", `${t("scan.camera")} 2`]);

    await wrapper.get('[data-testid="scan-evidence"]').setValue("residence.rental.lease_contract");
    await wrapper.get('[data-testid="scan-colour"]').setValue("colour");
    await wrapper.get('[data-testid="scan-capture"]').trigger("click");
    await flushPromises();
    expect(drawImage).toHaveBeenCalledWith(video, 0, 0, 1600, 1200);
    expect(toDataURL).toHaveBeenCalledWith("image/jpeg", 0.92);
    expect(imported).toEqual([
      {
        caseId: "0192f0c6-0000-7000-8000-000000000001",
        dataUrl: "data:image/jpeg;base64,/9j/AA==",
        colour: "colour",
        evidence: "residence.rental.lease_contract",
      },
    ]);
    expect(wrapper.emitted("changed")).toBeTruthy();

    await wrapper.get('[data-testid="scan-camera"]').setValue("cam-b");
    await flushPromises();
    expect(first.track.stop).toHaveBeenCalled();
    expect(getUserMedia).toHaveBeenLastCalledWith({ video: { deviceId: { exact: "cam-b" } }, audio: false });
    expect(video.srcObject).toBe(second.stream);

    await wrapper.get('[data-testid="scan-source"]').setValue("__file__");
    expect(second.track.stop).toHaveBeenCalled();
  });

  it("does not send an empty frame before the preview has a picture", async () => {
    setMediaDevices({
      getUserMedia: vi.fn().mockResolvedValue(fakeStream("cam-a").stream),
      enumerateDevices: vi.fn().mockResolvedValue([{ kind: "videoinput", deviceId: "cam-a", label: "高拍仪" }]),
    });
    vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    const wrapper = await mountWithCamera();
    await wrapper.get('[data-testid="scan-capture"]').trigger("click");
    await flushPromises();
    expect(imported).toEqual([]);
    expect(wrapper.get('[data-testid="scan-error"]').text()).toBe(t("scan.cameraNotReady"));
  });
});

describe("ScanPanel watched folder", () => {
  it("watches the remembered folder, imports what arrives and names what it refused", async () => {
    vi.useFakeTimers();
    const page = {
      id: "p1",
      position: 1,
      evidence: "employment.labour_contract",
      width: 1654,
      height: 2339,
      mode: "grey",
      sha256: "ab",
      kilobytes: 300,
      thumbnail: "data:image/jpeg;base64,/9j/AA==",
      mark: null,
    };
    const chosen: string[] = [];
    const opened: string[] = [];
    const polls: string[][] = [];
    let round = 0;
    setBackend(
      fakeBackend({
        listScanners: async () => [],
        listPages: async () => empty,
        scanFolder: async () => "/srv/扫描",
        exportPlaces: async () => [
          { path: "/media/clerk/SCANNER", label: "SCANNER", removable: true, free_bytes: null, total_bytes: null },
          { path: "/home/clerk", label: "本机主文件夹", removable: false, free_bytes: null, total_bytes: null },
        ],
        foldersIn: async (path) => {
          opened.push(path);
          if (path === "/home/clerk") return [{ path: "/home/clerk/扫描", name: "扫描" }];
          if (path === "/home/clerk/扫描") return [];
          throw new IpcError({ code: "SCAN_FOLDER_NOT_FOUND", message: `找不到文件夹“${path}”，请检查U盘或共享文件夹是否已连接，再重新选择。`, fields: [] });
        },
        setScanFolder: async (folder) => {
          chosen.push(folder);
          return folder;
        },
        pollScanFolder: async (caseId, colour, evidence) => {
          polls.push([caseId, colour, evidence]);
          round += 1;
          if (round === 1) return { imported: [], refused: [], pages: empty };
          return {
            imported: ["scan-001.png"],
            refused: [{ name: "scan-002.pdf", code: "SCAN_PDF_ENCRYPTED", message: "该 PDF 文件设有密码，无法读取。" }],
            pages: { pages: [page], unproven: [] },
          };
        },
      }),
    );
    try {
      const wrapper = mount(ScanPanel, { props: { caseId: "c1" } });
      await flushPromises();
      await wrapper.get('[data-testid="scan-source"]').setValue("__folder__");
      await flushPromises();
      expect(chosen).toEqual(["/srv/扫描"]);
      expect(wrapper.find('[data-testid="scan-folder-picker"]').exists()).toBe(false);
      expect(wrapper.get('[data-testid="scan-folder-watching"]').text()).toContain("/srv/扫描");
      await vi.advanceTimersByTimeAsync(4100);
      await flushPromises();
      expect(polls.length).toBe(2);
      expect(polls[0]).toEqual(["c1", "grey", ""]);
      expect(wrapper.findAll('[data-testid="scan-page"]').length).toBe(1);
      expect(wrapper.get('[data-testid="scan-folder-watching"]').text()).toContain("1");
      expect(wrapper.get('[data-testid="scan-folder-refused"]').text()).toBe("scan-002.pdf：该 PDF 文件设有密码，无法读取。");
      expect(wrapper.emitted("changed")).toBeTruthy();

      // Another folder, picked: a drive pulled while open says so and lists the drives again;
      // the home folder opened down to 扫描 is watched from then on. Nothing is typed.
      await wrapper.get('[data-testid="scan-folder-change"]').trigger("click");
      await flushPromises();
      expect(wrapper.find('[data-testid="scan-folder-picker"] input').exists()).toBe(false);
      expect(wrapper.get('[data-testid="scan-folder-choose"]').attributes("disabled")).toBeDefined();
      await wrapper.get('[data-testid="scan-folder-place-SCANNER"]').trigger("click");
      await flushPromises();
      expect(wrapper.get('[data-testid="scan-folder-error"]').text()).toContain("找不到文件夹“/media/clerk/SCANNER”");
      await wrapper.get('[data-testid="scan-folder-place-本机主文件夹"]').trigger("click");
      await flushPromises();
      await wrapper.get('[data-testid="scan-folder-folder-扫描"]').trigger("click");
      await flushPromises();
      expect(wrapper.get('[data-testid="scan-folder-location"]').text()).toBe("当前位置：本机主文件夹 / 扫描");
      expect(wrapper.find('[data-testid="scan-folder-empty"]').exists()).toBe(true);
      await wrapper.get('[data-testid="scan-folder-choose"]').trigger("click");
      await flushPromises();
      expect(opened).toEqual(["/media/clerk/SCANNER", "/home/clerk", "/home/clerk/扫描"]);
      expect(chosen).toEqual(["/srv/扫描", "/home/clerk/扫描"]);
      expect(wrapper.get('[data-testid="scan-folder-watching"]').text()).toContain("/home/clerk/扫描");
      expect(wrapper.find('[data-testid="scan-folder-picker"]').exists()).toBe(false);

      await wrapper.get('[data-testid="scan-source"]').setValue("__file__");
      await vi.advanceTimersByTimeAsync(6000);
      expect(polls.length).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

function pageAt(id: string, position: number, evidence: string): PageDto {
  return {
    id,
    position,
    evidence,
    width: 1654,
    height: 2339,
    mode: "grey",
    sha256: id,
    kilobytes: 200,
    thumbnail: `data:image/jpeg;base64,${id}`,
    mark: null,
  };
}

/** Chooses `files` in the 选择文件… chooser, as the clerk would, and waits for `outcome`. */
async function choose(wrapper: ReturnType<typeof mount>, files: File[], outcome: string): Promise<void> {
  const input = wrapper.get('[data-testid="scan-file"]');
  Object.defineProperty(input.element, "files", { value: files, configurable: true });
  await input.trigger("change");
  // FileReader answers on a later task, not a microtask.
  await vi.waitFor(() => expect(wrapper.find(`[data-testid="${outcome}"]`).exists()).toBe(true));
  await flushPromises();
}

describe("ScanPanel file import", () => {
  it("offers PDF files and says how many pages a PDF brought in", async () => {
    let held: PageDto[] = [pageAt("p0", 1, "")];
    setBackend(
      fakeBackend({
        listScanners: async () => [],
        listPages: async () => ({ pages: held, unproven: [] }),
        importPage: async (caseId, dataUrl, colour, evidence) => {
          imported.push({ caseId, dataUrl, colour, evidence });
          held = [...held, pageAt("p1", 2, evidence), pageAt("p2", 3, evidence), pageAt("p3", 4, evidence)];
          return { pages: held, unproven: [] };
        },
      }),
    );
    const wrapper = mount(ScanPanel, { props: { caseId: "c1" } });
    await flushPromises();
    expect(wrapper.get('[data-testid="scan-file"]').attributes("accept")).toBe("image/jpeg,image/png,image/tiff,application/pdf,.pdf");
    const label = wrapper.get('[data-testid="scan-file"]').element.parentElement as HTMLElement;
    expect(label.classList.contains("btn--primary")).toBe(true);
    expect(label.getAttribute("style")).toBeNull();

    await wrapper.get('[data-testid="scan-evidence"]').setValue("study.vocational_school");
    await choose(wrapper, [new File(["%PDF-1.4\n"], "学籍证明.pdf", { type: "application/pdf" })], "scan-imported");
    expect(imported).toHaveLength(1);
    expect(imported[0].dataUrl.startsWith("data:application/pdf;base64,")).toBe(true);
    expect(imported[0].evidence).toBe("study.vocational_school");
    expect(wrapper.get('[data-testid="scan-imported"]').text()).toBe("已导入 PDF 共 3 页");
    expect(wrapper.findAll('[data-testid="scan-page"]')).toHaveLength(4);
    expect(wrapper.find('[data-testid="scan-error"]').exists()).toBe(false);
  });

  it("names the file and the backend's reason when a PDF is refused", async () => {
    setBackend(
      fakeBackend({
        listScanners: async () => [],
        listPages: async () => empty,
        importPage: async () => {
          throw new IpcError({
            code: "SCAN_PDF_ENCRYPTED",
            message: "该 PDF 文件设有密码，无法读取，请向出具单位索取未加密的文件，或打印后扫描。",
            fields: [],
          });
        },
      }),
    );
    const wrapper = mount(ScanPanel, { props: { caseId: "c1" } });
    await flushPromises();
    // Some desktops give a PDF no MIME type: the name is enough.
    await choose(wrapper, [new File(["%PDF-1.7\n"], "合同.PDF")], "scan-error");
    expect(wrapper.get('[data-testid="scan-error"]').text()).toBe(
      "合同.PDF：该 PDF 文件设有密码，无法读取，请向出具单位索取未加密的文件，或打印后扫描。",
    );
    expect(wrapper.find('[data-testid="scan-imported"]').exists()).toBe(false);
  });
});

describe("ScanPanel scanners", () => {
  const feeder = { name: "epson2:libusb:001:004", label: "Epson DS-530 sheetfed scanner" };
  const virtual = { name: "test:0", label: "Noname frontend-tester virtual device" };
  let scans: { device: string; pages: number }[];
  let progress: ((p: ScanProgress) => void) | null;
  let finish: (() => void) | null;
  let stopped: string | null;

  beforeEach(() => {
    scans = [];
    progress = null;
    finish = null;
    stopped = null;
    let held: PageDto[] = [];
    setBackend(
      fakeBackend({
        listScanners: async () => [feeder, virtual, { name: "plustek:libusb:002:007", label: "plustek:libusb:002:007" }],
        listPages: async () => ({ pages: held, unproven: [] }),
        scanPages: (_caseId, scan, onProgress) => {
          scans.push({ device: scan.device, pages: scan.pages });
          progress = onProgress;
          // The feeder runs out after two sheets, whatever was asked.
          return new Promise((resolve) => {
            finish = () => {
              held = [...held, pageAt(`s${held.length + 1}`, held.length + 1, scan.evidence), pageAt(`s${held.length + 2}`, held.length + 2, scan.evidence)];
              resolve({ pages: { pages: held, unproven: [] }, stopped });
            };
          });
        },
      }),
    );
  });

  it("shows the maker and model, the device name only as a tooltip", async () => {
    const wrapper = mount(ScanPanel, { props: { caseId: "c1" } });
    await flushPromises();
    const select = wrapper.get('[data-testid="scan-source"]');
    const options = select.findAll("option").slice(0, 3);
    expect(options.map((option) => option.text())).toEqual([
      "Epson DS-530（馈纸式扫描仪）",
      "Noname frontend-tester（虚拟设备）",
      `${t("scan.scanner")} 3`,
    ]);
    expect(options.map((option) => option.attributes("value"))).toEqual([feeder.name, virtual.name, "plustek:libusb:002:007"]);
    expect(options.map((option) => option.attributes("title"))).toEqual([feeder.name, virtual.name, "plustek:libusb:002:007"]);
    expect(select.text()).not.toContain("libusb");
    expect(select.text()).not.toContain("test:0");
    expect((select.element as HTMLSelectElement).value).toBe(feeder.name);
  });

  it("scans a feeder until it is empty, asking for 100 pages and saying how many came", async () => {
    const wrapper = mount(ScanPanel, { props: { caseId: "c1" } });
    await flushPromises();
    const choice = wrapper.get('[data-testid="scan-until-empty"]');
    expect(choice.element.closest("label")?.textContent?.trim()).toBe("扫描至进纸器取完为止");
    expect((choice.element as HTMLInputElement).checked).toBe(true);
    expect(wrapper.find('[data-testid="scan-pages"]').exists()).toBe(true);

    await wrapper.get('[data-testid="scan-start"]').trigger("click");
    expect(scans).toEqual([{ device: feeder.name, pages: 100 }]);
    progress?.({ done: 1, total: 100 });
    await flushPromises();
    expect(wrapper.get('[data-testid="scan-progress"]').text()).toBe("已扫描 1 页，进纸器取完即停止");
    expect(wrapper.get('[data-testid="scan-progress"]').text()).not.toContain("100");
    finish?.();
    await flushPromises();
    expect(wrapper.find('[data-testid="scan-progress"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="scan-scanned"]').text()).toBe("本次扫描 2 页");
    expect(wrapper.findAll('[data-testid="scan-page"]')).toHaveLength(2);
  });

  it("keeps the pages of a scanner that stopped part-way and says why, as a warning", async () => {
    stopped = "扫描在第 3 页中断：扫描仪 60 秒没有送来下一页，已停止扫描。已收到的前 2 页已保存，不必重扫；其余的页请处理好扫描仪后接着扫描。";
    const wrapper = mount(ScanPanel, { props: { caseId: "c1" } });
    await flushPromises();
    await wrapper.get('[data-testid="scan-pages"]').setValue("5");
    await wrapper.get('[data-testid="scan-start"]').trigger("click");
    finish?.();
    await flushPromises();
    expect(wrapper.findAll('[data-testid="scan-page"]')).toHaveLength(2);
    expect(wrapper.get('[data-testid="scan-error"]').text()).toBe(stopped);
    expect(wrapper.find('[data-testid="scan-scanned"]').exists()).toBe(false);
    // The next scan starts clean.
    stopped = null;
    await wrapper.get('[data-testid="scan-start"]').trigger("click");
    finish?.();
    await flushPromises();
    expect(wrapper.find('[data-testid="scan-error"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="scan-scanned"]').text()).toBe("本次扫描 2 页");
  });

  it("scans a number of pages from a flatbed, or when the clerk types a count", async () => {
    const wrapper = mount(ScanPanel, { props: { caseId: "c1" } });
    await flushPromises();
    // Typing a count on the feeder chooses the count.
    await wrapper.get('[data-testid="scan-pages"]').setValue("3");
    expect((wrapper.get('[data-testid="scan-until-empty"]').element as HTMLInputElement).checked).toBe(false);
    await wrapper.get('[data-testid="scan-start"]').trigger("click");
    finish?.();
    await flushPromises();

    await wrapper.get('[data-testid="scan-source"]').setValue(virtual.name);
    expect((wrapper.get('[data-testid="scan-until-empty"]').element as HTMLInputElement).checked).toBe(false);
    await wrapper.get('[data-testid="scan-pages"]').setValue("1");
    await wrapper.get('[data-testid="scan-start"]').trigger("click");
    expect(wrapper.get('[data-testid="scan-progress"]').text()).toContain("0/1");
    finish?.();
    await flushPromises();
    expect(scans).toEqual([
      { device: feeder.name, pages: 3 },
      { device: virtual.name, pages: 1 },
    ]);
  });
});

describe("ScanPanel page list", () => {
  it("lists the pages under the evidence item they prove, unassigned last, with thumbnails", async () => {
    const changes: { pageId: string; change: object }[] = [];
    const held = [
      pageAt("p1", 1, "employment.labour_contract"),
      pageAt("p2", 2, ""),
      pageAt("p3", 3, "study.vocational_school"),
      pageAt("p4", 4, "employment.labour_contract"),
    ];
    setBackend(
      fakeBackend({
        listScanners: async () => [],
        listPages: async () => ({ pages: held, unproven: [] }),
        changePage: async (_caseId, pageId, change) => {
          changes.push({ pageId, change });
          return { pages: held, unproven: [] };
        },
      }),
    );
    const wrapper = mount(ScanPanel, { props: { caseId: "c1" } });
    await flushPromises();

    const groups = wrapper.findAll('[data-testid="scan-group"]');
    expect(groups.map((group) => group.attributes("data-evidence"))).toEqual([
      "employment.labour_contract",
      "study.vocational_school",
      "",
    ]);
    expect(groups.map((group) => group.get("h4").text())).toEqual([
      "合法稳定就业：签订劳动合同 共 2 页",
      "连续就读：中高等职业学校学籍证明 共 1 页",
      "未关联证明材料 共 1 页",
    ]);
    expect(groups[0].findAll('[data-testid="scan-page"]').map((page) => page.attributes("data-page-id"))).toEqual(["p1", "p4"]);
    expect(groups[1].findAll('[data-testid="scan-page"]').map((page) => page.attributes("data-page-id"))).toEqual(["p3"]);
    expect(groups[2].findAll('[data-testid="scan-page"]').map((page) => page.attributes("data-page-id"))).toEqual(["p2"]);
    expect(groups[0].findAll("img").map((img) => img.attributes("src"))).toEqual([
      "data:image/jpeg;base64,p1",
      "data:image/jpeg;base64,p4",
    ]);
    // The testids count the pages as shown.
    expect(wrapper.get('[data-testid="scan-page-thumb-2"]').attributes("src")).toBe("data:image/jpeg;base64,p3");
    const select = wrapper.get('[data-testid="scan-page-evidence-2"]');
    expect((select.element as HTMLSelectElement).value).toBe("study.vocational_school");
    expect(select.findAll("option").map((option) => option.text())).toContain("连续就读：中高等职业学校学籍证明");
    expect(select.attributes("title")).toBe("连续就读：中高等职业学校学籍证明");

    // ↑ and ↓ move a page within its item: p1 goes after p4 (position 4), not after p2.
    expect(wrapper.get('[data-testid="scan-page-up-0"]').attributes("disabled")).toBeDefined();
    expect(wrapper.get('[data-testid="scan-page-down-1"]').attributes("disabled")).toBeDefined();
    await wrapper.get('[data-testid="scan-page-down-0"]').trigger("click");
    await flushPromises();
    expect(changes).toEqual([{ pageId: "p1", change: { position: 4 } }]);

    await select.setValue("");
    await flushPromises();
    expect(changes[1]).toEqual({ pageId: "p3", change: { evidence: "" } });
  });
});

describe("ScanPanel at a browser desk of the office server", () => {
  afterEach(() => setBackend(fakeBackend({})));

  it("offers the desk's files and camera, never the server's scanners or watched folder", async () => {
    let askedScanners = false;
    setBackend(
      fakeBackend({
        listScanners: async () => ((askedScanners = true), []),
        listPages: async () => empty,
      }),
      "browser",
    );
    const wrapper = mount(ScanPanel, { props: { caseId: "0192f0c6-0000-7000-8000-000000000001" } });
    await flushPromises();
    expect(askedScanners).toBe(false);
    const sources = wrapper.findAll('[data-testid="scan-source"] option').map((o) => o.attributes("value"));
    expect(sources).toEqual(["__camera__", "__file__"]);
    expect(wrapper.find('[data-testid="scan-file"]').exists()).toBe(true);
  });
});
