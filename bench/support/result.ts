/** One benchmark figure, as printed in the table and written as a JSON line. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Extra facts: p99, samples, conditions, a target and whether it was met. */
  [key: string]: unknown;
}

export interface BenchContext {
  /** Smaller sizes for a smoke run (the test suite runs every benchmark this way). */
  quick: boolean;
  log(line: string): void;
}

export type Benchmark = (ctx: BenchContext) => Promise<BenchResult[]>;
