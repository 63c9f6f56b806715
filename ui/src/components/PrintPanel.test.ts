import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import PrintPanel from "./PrintPanel.vue";
import { setBackend, type DocumentKey } from "../backend";
import { fakeBackend, printBackend } from "../backend/testing";

// A joined desk's own printers and CUPS are the shell's (invoke), whatever the backend.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (command: string, args: unknown) => invoke(command, args),
  Channel: class {},
}));

const stubs = { PdfPreview: true };

function mountPanel(documents: DocumentKey[], initialDocument?: DocumentKey) {
  const previews: { document: string; largePrint: boolean | null | undefined }[] = [];
  setBackend(fakeBackend(printBackend(previews)));
  const wrapper = mount(PrintPanel, { props: { caseId: "c1", documents, initialDocument }, global: { stubs } });
  return { wrapper, previews };
}

const selected = (wrapper: ReturnType<typeof mount>) => (wrapper.get('[data-testid="print-document"]').element as HTMLSelectElement).value;

describe("PrintPanel", () => {
  it("selects the initial document the case page asks for", async () => {
    const { wrapper } = mountPanel(["form", "receipt"], "receipt");
    await flushPromises();
    expect(selected(wrapper)).toBe("receipt");
  });

  it("never selects a document the case does not have", async () => {
    const { wrapper } = mountPanel(["form", "notice"], "slip");
    await flushPromises();
    expect(selected(wrapper)).toBe("form");
  });

  it("selects the first document without an initial one", async () => {
    const { wrapper } = mountPanel(["form", "refusal"]);
    await flushPromises();
    expect(selected(wrapper)).toBe("form");
  });

  it("preselects the printer the backend prefers (the office's), not the system's default", async () => {
    const previews: { document: string; largePrint: boolean | null | undefined }[] = [];
    setBackend(
      fakeBackend({
        ...printBackend(previews),
        listPrinters: async () => [
          { name: "Counter2", label: "Counter2", is_default: false, preferred: true, ready: true },
          { name: "PermitDeskPDF", label: "PermitDeskPDF", is_default: true, preferred: false, ready: true },
        ],
      }),
    );
    const wrapper = mount(PrintPanel, { props: { caseId: "c1", documents: ["form"] }, global: { stubs } });
    await flushPromises();
    expect((wrapper.get('[data-testid="print-printer"]').element as HTMLSelectElement).value).toBe("Counter2");
  });

  it("opens a document's preview when the parent asks", async () => {
    const { wrapper, previews } = mountPanel(["form", "refusal"]);
    await flushPromises();
    await (wrapper.vm as unknown as { preview(key: DocumentKey): Promise<void> }).preview("refusal");
    await flushPromises();
    expect(previews).toEqual([{ document: "refusal", largePrint: undefined }]);
    expect(selected(wrapper)).toBe("refusal");
    expect(wrapper.get('[data-testid="preview"]').text()).toContain("不予受理告知书");

    await wrapper.get('[data-testid="preview-close"]').trigger("click");
    await (wrapper.vm as unknown as { preview(key: DocumentKey): Promise<void> }).preview("slip");
    await flushPromises();
    expect(previews.length).toBe(1);
    expect(wrapper.find('[data-testid="preview"]').exists()).toBe(false);
  });

  describe("at a browser desk of the office server", () => {
    afterEach(() => {
      vi.unstubAllGlobals();
      setBackend(fakeBackend(printBackend([])));
    });

    it("offers no printer, and prints with the browser: the server's PDF opens in a new tab, audited there", async () => {
      const previews: { document: string; largePrint: boolean | null | undefined }[] = [];
      let askedPrinters = false;
      setBackend(
        fakeBackend({
          ...printBackend(previews),
          listPrinters: async () => ((askedPrinters = true), []),
        }),
        "browser",
      );
      const sent: { url: string; body: unknown }[] = [];
      vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
        sent.push({ url, body: JSON.parse(init.body as string) });
        return new Response(
          JSON.stringify({ document: "receipt", pdf_base64: btoa("%PDF-1.7 test"), pages: 1, template: "receipt v1", warnings: [] }),
          { status: 200 },
        );
      });
      const opened: string[] = [];
      vi.stubGlobal("open", (url: string) => (opened.push(url), {}));
      URL.createObjectURL = () => "blob:desk/1";
      URL.revokeObjectURL = () => {};
      const wrapper = mount(PrintPanel, { props: { caseId: "c1", documents: ["receipt"] }, global: { stubs } });
      await flushPromises();
      expect(askedPrinters).toBe(false);
      expect(wrapper.find('[data-testid="print-printer"]').exists()).toBe(false);
      await wrapper.get('[data-testid="print-preview"]').trigger("click");
      await flushPromises();
      const submit = wrapper.get('[data-testid="print-submit"]');
      expect(submit.text()).toBe("用浏览器打印");
      await submit.trigger("click");
      await flushPromises();
      expect(sent).toEqual([{ url: "/api/print_in_browser", body: { caseId: "c1", document: "receipt", largePrint: null } }]);
      expect(opened).toEqual(["blob:desk/1"]);
      expect(wrapper.get('[data-testid="print-done"]').text()).toContain("已发送到浏览器打印");
      expect(wrapper.emitted("printed")?.[0]).toEqual([null, "receipt"]);
    });
  });

  it("at a joined desk, prints the server's PDF on this PC's printer and reports how it went", async () => {
    const previews: { document: string; largePrint: boolean | null | undefined }[] = [];
    setBackend(fakeBackend(printBackend(previews)), "joined", {
      server_url: "https://192.168.1.10:8443",
      desk_name: "二号窗口",
      office_id: "330182-jiande-01",
      ca_fingerprint: "AB:CD",
    });
    const printed = [
      { outcome: "completed", job: "Counter-Laser-3", error: null },
      { outcome: "held", job: "Counter-Laser-4", error: { code: "PRINT_JOB_STOPPED", message: "打印机已停止。", fields: [] } },
    ];
    invoke.mockImplementation(async (command: string) => {
      if (command === "list_printers") return [{ name: "Counter-Laser", label: "Counter-Laser", is_default: true, preferred: true, ready: true }];
      if (command === "print_pdf_at_desk") return printed.shift();
      throw new Error(`unexpected ${command}`);
    });
    const reports: Record<string, unknown>[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      expect(url).toBe("/api/record_desk_print");
      const report = JSON.parse(init.body as string) as Record<string, unknown>;
      reports.push(report);
      return new Response(JSON.stringify({ job: report.job ?? "", template: "form v1", printed_at: "2026-12-06 13:40" }), { status: 200 });
    });
    const wrapper = mount(PrintPanel, { props: { caseId: "c1", documents: ["form"] }, global: { stubs } });
    await flushPromises();
    expect((wrapper.get('[data-testid="print-printer"]').element as HTMLSelectElement).value).toBe("Counter-Laser");
    await wrapper.get('[data-testid="print-preview"]').trigger("click");
    await flushPromises();
    await wrapper.get('[data-testid="print-submit"]').trigger("click");
    await flushPromises();
    expect(wrapper.get('[data-testid="print-done"]').text()).toContain("Counter-Laser-3");
    const sent = invoke.mock.calls.find((call) => call[0] === "print_pdf_at_desk")?.[1] as Record<string, unknown>;
    expect(sent).toMatchObject({ printer: "Counter-Laser", copies: 1, title: "互认转换申请表 c1" });
    expect(reports[0]).toMatchObject({ caseId: "c1", document: "form", template: "form v1", outcome: "completed", job: "Counter-Laser-3", error: null });

    // The printer keeps the next job: said so, and reported as held with the reason.
    await wrapper.get('[data-testid="print-preview"]').trigger("click");
    await flushPromises();
    await wrapper.get('[data-testid="print-submit"]').trigger("click");
    await flushPromises();
    expect(wrapper.get('[data-testid="print-error-in-preview"]').text()).toContain("打印机已停止。");
    expect(wrapper.get('[data-testid="print-error-in-preview"]').text()).toContain("本办理台不跟踪");
    expect(reports[1]).toMatchObject({ outcome: "held", job: "Counter-Laser-4", error: "PRINT_JOB_STOPPED" });
    // Each print used the preview open, not a second rendering at the server.
    expect(previews).toHaveLength(2);
    expect(wrapper.emitted("printed")?.map((event) => event[0] === null)).toEqual([false, true]);
    vi.unstubAllGlobals();
  });
});
