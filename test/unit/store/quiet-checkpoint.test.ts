/**
 * The checkpoint "once the bank goes quiet" comes quietMs after the last commit, not after the
 * first one since the last checkpoint: a bank serving a steady trickle of commits checkpoints by
 * the count, not every quietMs (each checkpoint is two syncs for the card and copies the pages
 * written again and again once more).
 */
import { afterEach, expect, it, vi } from "vitest";
import { Checkpointer } from "../../../src/store/checkpointer.js";

afterEach(() => vi.useRealTimers());

function checkpointerAsking(commits: number, quietMs: number): { cp: Checkpointer; asked: string[] } {
  const cp = new Checkpointer("/data/lockerd.db", commits, quietMs);
  const asked: string[] = [];
  vi.spyOn(cp as unknown as { ask(op: string): Promise<null> }, "ask").mockImplementation((op: string) => {
    asked.push(op);
    return Promise.resolve(null);
  });
  return { cp, asked };
}

it("checkpoints quietMs after the last commit of a trickle, and not before", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  const { cp, asked } = checkpointerAsking(256, 5_000);
  for (let i = 0; i < 4; i++) {
    cp.noteCommit();
    await vi.advanceTimersByTimeAsync(3_000); // a commit every 3 s: never 5 s quiet
  }
  expect(asked).toEqual([]);
  await vi.advanceTimersByTimeAsync(2_100); // 5.1 s since the last commit
  expect(asked).toEqual(["checkpoint"]);
  cp.close();
});

it("still checkpoints by the count within a trickle", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  const { cp, asked } = checkpointerAsking(3, 5_000);
  for (let i = 0; i < 3; i++) {
    cp.noteCommit();
    await vi.advanceTimersByTimeAsync(1_000);
  }
  expect(asked).toEqual(["checkpoint"]);
  cp.close();
});
