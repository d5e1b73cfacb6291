/**
 * projectAll drains until nothing waits: a call that locked a bank another projector had just
 * emptied (the bank named, no batch) is a lost race, not the end of the work.
 */
import { expect, it } from "vitest";
import { lostRace, projectAll } from "../../../src/central/projection/project.js";

/** Answers central.project_landed's row from a script, one per call. */
function scripted(rows: { bank_id: string | null; batches: number; events: string }[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    query: (async () => ({ rows: [rows[calls++] ?? { bank_id: null, batches: 0, events: "0" }] })) as never,
  };
}

it("goes on after a lost race and stops when no bank is named", async () => {
  const db = scripted([
    { bank_id: "A", batches: 2, events: "1002" },
    { bank_id: "B", batches: 0, events: "0" },
    { bank_id: "C", batches: 1, events: "501" },
    { bank_id: null, batches: 0, events: "0" },
  ]);
  expect(await projectAll(db)).toEqual({ batches: 3, events: 1503 });
  expect(db.calls).toBe(4);
});

it("a bank named with batches is work, a bank named without is a lost race, none named is the end", () => {
  expect(lostRace({ bankId: "A", batches: 1, events: 5 })).toBe(false);
  expect(lostRace({ bankId: "A", batches: 0, events: 0 })).toBe(true);
  expect(lostRace({ bankId: null, batches: 0, events: 0 })).toBe(false);
});
