import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import ScanPanel from "./ScanPanel.vue";
import { setBackend, type PagesInfo } from "../backend";
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
    };
    const chosen: string[] = [];
    const polls: string[][] = [];
    let round = 0;
    setBackend(
      fakeBackend({
        listScanners: async () => [],
        listPages: async () => empty,
        scanFolder: async () => "/srv/扫描",
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
            refused: [{ name: "scan-002.pdf", code: "SCAN_PDF_NOT_SUPPORTED", message: "暂不支持导入 PDF 文件。" }],
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
      expect((wrapper.get('[data-testid="scan-folder"]').element as HTMLInputElement).value).toBe("/srv/扫描");
      expect(wrapper.get('[data-testid="scan-folder-watching"]').text()).toContain("/srv/扫描");
      await vi.advanceTimersByTimeAsync(4100);
      await flushPromises();
      expect(polls.length).toBe(2);
      expect(polls[0]).toEqual(["c1", "grey", ""]);
      expect(wrapper.findAll('[data-testid="scan-page"]').length).toBe(1);
      expect(wrapper.get('[data-testid="scan-folder-watching"]').text()).toContain("1");
      expect(wrapper.get('[data-testid="scan-folder-refused"]').text()).toBe("scan-002.pdf：暂不支持导入 PDF 文件。");
      expect(wrapper.emitted("changed")).toBeTruthy();

      await wrapper.get('[data-testid="scan-source"]').setValue("__file__");
      await vi.advanceTimersByTimeAsync(6000);
      expect(polls.length).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
