// The clerk's text size (字号): 标准, 大 or 特大 — 100 %, 112.5 % and 125 % of the window's
// base size. Every size in the stylesheet is in rem, so the whole window scales. Kept on
// this PC (a counter's screen and its clerk's eyes), not in the office database.
import { ref } from "vue";

export const TEXT_SIZES = [
  { key: "normal", label: "标准", percent: 100 },
  { key: "large", label: "大", percent: 112.5 },
  { key: "larger", label: "特大", percent: 125 },
] as const;
export type TextSizeKey = (typeof TEXT_SIZES)[number]["key"];

const STORAGE_KEY = "permit-desk.text-size";
const BASE_PX = 16;

function saved(): TextSizeKey {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    return TEXT_SIZES.some((size) => size.key === value) ? (value as TextSizeKey) : "normal";
  } catch {
    return "normal";
  }
}

export const textSize = ref<TextSizeKey>(saved());

/** Applies `key` to the window and keeps it for the next start. */
export function setTextSize(key: TextSizeKey): void {
  textSize.value = key;
  const size = TEXT_SIZES.find((entry) => entry.key === key) ?? TEXT_SIZES[0];
  document.documentElement.style.fontSize = `${(BASE_PX * size.percent) / 100}px`;
  document.documentElement.dataset.textSize = key;
  try {
    window.localStorage.setItem(STORAGE_KEY, key);
  } catch {
    // a private or full storage: the size holds until the window closes
  }
}

/** One step larger (`+1`) or smaller (`-1`), within the three sizes. */
export function stepTextSize(step: 1 | -1): void {
  const index = TEXT_SIZES.findIndex((size) => size.key === textSize.value);
  const next = TEXT_SIZES[Math.min(TEXT_SIZES.length - 1, Math.max(0, index + step))];
  setTextSize(next.key);
}

/** The size's name, e.g. 特大. */
export function textSizeLabel(key: TextSizeKey): string {
  return TEXT_SIZES.find((size) => size.key === key)?.label ?? "";
}
