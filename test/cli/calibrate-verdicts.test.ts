/** calibrate's verdict per lock, from what the sensors saw and what the technician said: every branch. */
import { describe, expect, it } from "vitest";
import { judge, type Seen } from "../../src/cli/calibrate/wiring-check.js";

const wire = { lockerId: "A02", board: 1, channel: 2 };
const name = (b: number, c: number) => `board ${b} channel ${c}${b === 1 && c === 3 ? " (A03)" : ""}`;
const seen = (opened: [number, number][], failed: string | null = null): Seen => ({ wire, opened, failed });

describe("calibrate verdicts", () => {
  it("ok: the technician saw it open and its own sensor did", () => {
    expect(judge(seen([[1, 2]]), true, name)).toMatchObject({ verdict: "ok", lockerId: "A02", board: 1, channel: 2 });
  });

  it("miswired: another door's input changed, whatever the technician says, and it is named", () => {
    for (const said of [true, false, null]) {
      const r = judge(seen([[1, 3]]), said, name);
      expect(r.verdict).toBe("miswired");
      expect(r.detail).toBe("pulsing board 1 channel 2 opened the door read on board 1 channel 3 (A03): lock or sensor wire on the wrong channel");
    }
    expect(judge(seen([[1, 2], [2, 7]]), true, name).detail).toMatch(/read on board 2 channel 7 as well/);
  });

  it("did_not_open, sensor_not_seen and sensor_disagrees are told apart", () => {
    expect(judge(seen([]), false, name).verdict).toBe("did_not_open");
    expect(judge(seen([]), true, name).verdict).toBe("sensor_not_seen");
    expect(judge(seen([[1, 2]]), false, name).verdict).toBe("sensor_disagrees");
  });

  it("pulse_failed carries the board's reason", () => {
    expect(judge(seen([], "wkly board 1 refused to open channel 2 (status FF)"), null, name)).toMatchObject({ verdict: "pulse_failed", detail: "wkly board 1 refused to open channel 2 (status FF)" });
  });
});
