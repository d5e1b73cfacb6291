import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // forks, not threads: onoff crashes when loaded in a worker thread.
    pool: "forks",
    include: ["test/**/*.test.ts"],
    // Finds or starts the PostgreSQL the sync tests use (see test/support/postgres-setup.ts).
    globalSetup: ["test/support/postgres-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
