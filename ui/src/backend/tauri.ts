// The real backend: Tauri commands, built from the list generated from the Rust commands
// (commands.ts); no command name or argument is written here.
import { Channel, invoke } from "@tauri-apps/api/core";
import { COMMANDS } from "./commands";
import { IpcError, isUiError, type Backend } from "./types";
import { t } from "../locales";

/** Calls a command and turns any rejection into an IpcError. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    if (isUiError(error)) throw new IpcError(error);
    // A rejection that is not ours (IPC broken, command missing): still typed for the UI.
    throw new IpcError({ code: "IPC_FAILURE", message: t("errors.IPC_FAILURE"), fields: [] });
  }
}

/** One command's function: positional arguments named by the generated table; a left-out
 *  optional argument is sent as null; a channel argument's callback gets the messages. */
function command(name: string, wires: readonly string[]) {
  return (...args: unknown[]) => {
    const payload: Record<string, unknown> = {};
    wires.forEach((wire, index) => {
      const value = args[index];
      if (wire.startsWith("@")) {
        const channel = new Channel<unknown>();
        channel.onmessage = value as (message: unknown) => void;
        payload[wire.slice(1)] = channel;
      } else {
        payload[wire] = value === undefined ? null : value;
      }
    });
    return call(name, payload);
  };
}

/** Every command of the generated list, called through Tauri's IPC. */
export const tauriBackend = Object.fromEntries(
  Object.entries(COMMANDS).map(([method, [name, wires]]) => [method, command(name, wires)]),
) as unknown as Backend;
