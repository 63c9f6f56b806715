import { describe, expect, it } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import PrintPanel from "./PrintPanel.vue";
import { setBackend, type DocumentKey } from "../backend";
import { fakeBackend, printBackend } from "../backend/testing";

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
});
