// Shared set-up for the end-to-end tests: one app session per test file, a screenshot
// of the window kept as an artefact for every test, whatever its outcome.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Session } from "./webdriver.mjs";

export const artifactsDir = resolve(process.env.E2E_ARTIFACTS ?? "artifacts/e2e");
mkdirSync(artifactsDir, { recursive: true });

export async function startApp() {
  const application = process.env.E2E_APPLICATION;
  if (!application) throw new Error("E2E_APPLICATION must point at the built permit-desk binary");
  const port = Number(process.env.E2E_DRIVER_PORT ?? 4444);
  return Session.start({ port, application });
}

/** Saves the window as `<name>.png` in the artefacts folder. */
export async function keepScreenshot(session, name) {
  const png = await session.screenshot();
  const file = join(artifactsDir, `${name.replace(/[^\w\u4e00-\u9fff-]+/g, "_")}.png`);
  writeFileSync(file, Buffer.from(png, "base64"));
  return file;
}
