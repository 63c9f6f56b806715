// A minimal W3C WebDriver client for tauri-driver: just what the end-to-end tests use.
// No dependencies: Node's fetch speaks to tauri-driver on loopback.

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start({ port = 4444, application, args = [] }) {
    const base = `http://127.0.0.1:${port}`;
    const body = {
      capabilities: {
        alwaysMatch: { browserName: "wry", "tauri:options": { application, args } },
      },
    };
    const value = await request("POST", `${base}/session`, body);
    return new Session(base, value.sessionId);
  }

  /** A browser desk (issue 17): Debian's Chromium through chromedriver on `port`, opened at
   *  `url`, with a profile of its own in `profileDir`; 1280×800 like the app's window. */
  /** A Chromium session at `url`. `trustSpki`: the base64 SHA-256 of a CA's public key
   *  whose certificates this browser accepts (the office CA, as an administrator would
   *  install it; Chromium honours it with its own profile folder). */
  static async startBrowser({ port, url, profileDir, trustSpki = null, binary = "/usr/bin/chromium" }) {
    const base = `http://127.0.0.1:${port}`;
    const args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800", "--lang=zh-CN", `--user-data-dir=${profileDir}`];
    if (trustSpki) args.push(`--ignore-certificate-errors-spki-list=${trustSpki}`);
    const body = { capabilities: { alwaysMatch: { browserName: "chrome", "goog:chromeOptions": { binary, args } } } };
    const value = await request("POST", `${base}/session`, body);
    const session = new Session(base, value.sessionId);
    await session.cmd("POST", "/url", { url });
    return session;
  }

  async cmd(method, path, body) {
    return request(method, `${this.base}/session/${this.id}${path}`, body);
  }

  async quit() {
    await this.cmd("DELETE", "");
  }

  async find(testid) {
    const value = await this.cmd("POST", "/element", { using: "css selector", value: `[data-testid="${testid}"]` });
    return value[ELEMENT];
  }

  /** Finds an element by CSS selector. */
  async findCss(selector) {
    const value = await this.cmd("POST", "/element", { using: "css selector", value: selector });
    return value[ELEMENT];
  }

  async count(testid) {
    const value = await this.cmd("POST", "/elements", { using: "css selector", value: `[data-testid="${testid}"]` });
    return value.length;
  }

  /** Texts of every element with `testid`. */
  async texts(testid) {
    return this.#eachElement(testid, "text");
  }

  /** Values of an attribute of every element with `testid`. */
  async attributes(testid, name) {
    return this.#eachElement(testid, `attribute/${name}`);
  }

  /** The current value (the DOM property, not the attribute) of the element `testid`. */
  async value(testid) {
    return this.cmd("GET", `/element/${await this.find(testid)}/property/value`);
  }

  /** Reads `what` of every element with `testid`; if the list is re-rendered while it is
   *  being read (a stale element), reads the whole list again. */
  async #eachElement(testid, what) {
    for (let attempt = 0; ; attempt++) {
      const value = await this.cmd("POST", "/elements", { using: "css selector", value: `[data-testid="${testid}"]` });
      try {
        const out = [];
        for (const element of value) out.push(await this.cmd("GET", `/element/${element[ELEMENT]}/${what}`));
        return out;
      } catch (error) {
        if (attempt >= 10 || !String(error.message).includes("stale element reference")) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async clickCss(selector) {
    await this.cmd("POST", `/element/${await this.findCss(selector)}/click`, {});
  }

  async exists(testid) {
    const value = await this.cmd("POST", "/elements", { using: "css selector", value: `[data-testid="${testid}"]` });
    return value.length > 0;
  }

  async text(testid) {
    return this.cmd("GET", `/element/${await this.find(testid)}/text`);
  }

  async click(testid) {
    await this.cmd("POST", `/element/${await this.find(testid)}/click`, {});
  }

  async clear(testid) {
    await this.cmd("POST", `/element/${await this.find(testid)}/clear`, {});
  }

  /** Replaces the text of an input as a clerk does: End, Backspace over the old text, then
   *  type. (A WebDriver clear bypasses the input events a Vue model listens to.) */
  async replace(testid, text) {
    const old = String((await this.value(testid)) ?? "");
    await this.type(testid, `\uE010${"\uE003".repeat(old.length)}`);
    await this.type(testid, text);
  }

  async type(testid, text) {
    await this.cmd("POST", `/element/${await this.find(testid)}/value`, { text });
  }

  /** Chooses a file in an `<input type="file">` (W3C: send the path as keys). */
  async sendFile(testid, path) {
    await this.cmd("POST", `/element/${await this.find(testid)}/value`, { text: path });
  }

  async title() {
    return this.cmd("GET", "/title");
  }

  /** The handles of the app's open windows. */
  async windowHandles() {
    return this.cmd("GET", "/window/handles");
  }

  /** The handle of the window commands go to. */
  async windowHandle() {
    return this.cmd("GET", "/window");
  }

  /** Sends the following commands to the window `handle`. */
  async switchToWindow(handle) {
    await this.cmd("POST", "/window", { handle });
  }

  /** Waits for a window other than `known` handles to open; its handle. */
  async waitForNewWindow(known, timeoutMs = 10000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = (await this.windowHandles()).find((handle) => !known.includes(handle));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new WebDriverError(`no new window within ${timeoutMs} ms`);
  }

  /** Base64 PNG of the window's web content. */
  async screenshot() {
    return this.cmd("GET", "/screenshot");
  }

  /** Polls until `testid` exists (and, if given, its text contains `contains`). */
  async waitFor(testid, { contains, timeoutMs = 10000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      try {
        if (await this.exists(testid)) {
          last = await this.text(testid);
          if (contains === undefined || last.includes(contains)) return last;
        }
      } catch (error) {
        // The element was re-rendered between finding it and reading it: look again.
        if (!String(error.message).includes("stale element reference")) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new WebDriverError(`timed out waiting for ${testid}${contains ? ` containing "${contains}"` : ""}; last text: "${last}"`);
  }
}

async function request(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new WebDriverError(`${method} ${url} → ${response.status}: ${JSON.stringify(json.value ?? json)}`);
  }
  return json.value;
}
