// This PC's print system's printers for a print choice (a joined desk's own, too), and the one chosen: the office's printer
// when the system has it, else the system's default (the backend marks it `preferred`).
import { ref, type Ref } from "vue";
import { deviceBackend, type PrinterChoice } from "../backend";
import { errorMessage } from "../errors";

export function usePrinters(error: Ref<string | null>) {
  const printers = ref<PrinterChoice[]>([]);
  const printer = ref("");

  /** Lists the printers again; a failure is said in `error`. */
  async function loadPrinters(): Promise<void> {
    try {
      printers.value = await deviceBackend().listPrinters();
      printer.value = printers.value.find((p) => p.preferred)?.name ?? printers.value[0]?.name ?? "";
    } catch (e) {
      printers.value = [];
      error.value = errorMessage(e);
    }
  }

  return { printers, printer, loadPrinters };
}
