/**
 * Long simulation runs outside the test suite: `npm run sim -- --seeds 50 --steps 20000`
 * (or `--seed N` to replay one). Prints each seed's statistics; exits 1 on the first failure.
 */
import { parseArgs } from "node:util";
import { runSimulation } from "./bank-world.js";

const { values } = parseArgs({ options: { seeds: { type: "string", default: "10" }, steps: { type: "string", default: "10000" }, seed: { type: "string" }, first: { type: "string", default: "1" } } });
const steps = Number(values.steps);
const seeds = values.seed ? [Number(values.seed)] : Array.from({ length: Number(values.seeds) }, (_, i) => Number(values.first) + i);
let totalSteps = 0;
for (const seed of seeds) {
  try {
    const stats = await runSimulation(seed, steps);
    totalSteps += stats.steps;
    process.stdout.write(`seed ${seed}: ${JSON.stringify(stats)}\n`);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
process.stdout.write(`${seeds.length} seeds, ${totalSteps} steps, every invariant held after every step\n`);
