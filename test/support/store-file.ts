/**
 * A bank store on a real SQLite file in a temporary folder, for the store's unit tests. Call at
 * the top of a test file: it returns open(), and after each test the last store opened is
 * closed and its folder removed. open() again within a test reopens the same file (a restart).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { tempDir } from "./bank.js";

export function storeInTempFile(prefix: string): () => Store {
  let dir: string | null = null;
  let store: Store | null = null;
  afterEach(() => {
    if (store?.db.open) store.close();
    store = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });
  return () => {
    dir ??= tempDir(prefix);
    store = new Store(openDatabase(join(dir, "lockerd.db")));
    return store;
  };
}
