import { describe, expect, it } from "vitest";
import { sawQueued, syncQueueChanged } from "./syncQueue";

describe("the sync queue the header sees", () => {
  it("tells the lists to look again only when the number of waiting records changed", () => {
    const start = syncQueueChanged.value;
    sawQueued(3); // the first look: nothing to compare with
    sawQueued(3);
    expect(syncQueueChanged.value).toBe(start);
    sawQueued(0); // sent
    expect(syncQueueChanged.value).toBe(start + 1);
    sawQueued(null); // logged out
    sawQueued(0);
    expect(syncQueueChanged.value).toBe(start + 1);
    sawQueued(1); // a new step queued
    expect(syncQueueChanged.value).toBe(start + 2);
  });
});
