// A tiny typed lookup: t("home.newApplication"). Only Simplified Chinese ships.
import { zhCN } from "./zh-CN";

type Messages = typeof zhCN;
type Leaves<T, P extends string = ""> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];

export type MessageKey = Leaves<Messages>;

export function t(key: MessageKey): string {
  let node: unknown = zhCN;
  for (const part of key.split(".")) {
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "string" ? node : key;
}

/** Fills the `{name}` placeholders of a message; an unknown name stays as written. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** A label chosen by a key the backend sends (a role, a worklist; case states are
 *  `CASE_STATE_LABELS`, generated from the domain); the key
 *  itself if the window does not know it, so nothing is ever shown blank. */
export function label(group: "roles" | "home.lists", key: string): string {
  const table = group === "home.lists" ? zhCN.home.lists : zhCN[group];
  return (table as Record<string, string>)[key] ?? key;
}
