import { afterEach, describe, expect, it } from "vitest";
import { setTextSize, stepTextSize, textSize } from "./textSize";

describe("text size", () => {
  afterEach(() => setTextSize("normal"));

  it("scales the window's base size and is kept for the next start", () => {
    setTextSize("larger");
    expect(document.documentElement.style.fontSize).toBe("20px");
    expect(window.localStorage.getItem("permit-desk.text-size")).toBe("larger");
    stepTextSize(-1);
    expect(textSize.value).toBe("large");
    expect(document.documentElement.style.fontSize).toBe("18px");
    stepTextSize(-1);
    stepTextSize(-1);
    expect(textSize.value).toBe("normal");
    expect(document.documentElement.style.fontSize).toBe("16px");
    stepTextSize(1);
    stepTextSize(1);
    stepTextSize(1);
    expect(textSize.value).toBe("larger");
  });
});
