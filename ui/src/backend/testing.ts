// For unit tests: a backend with only the commands a test gives; any other command
// fails loudly, so a component calling something unexpected is caught.
import type { Backend } from "./types";

export function fakeBackend(commands: Partial<Backend>): Backend {
  return new Proxy(commands, {
    get: (target, command) =>
      (target as Record<string | symbol, unknown>)[command] ??
      (() => Promise.reject(new Error(`command ${String(command)} is not used by this test`))),
  }) as Backend;
}
