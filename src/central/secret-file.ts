/**
 * A secret the operator's tools generate (a bank's key, the ingest role's password) written to
 * a file the safe way round: the file is reserved beside its target (mode 0600) before anything
 * is created, so a refusal leaves nothing behind; once created, the secret is never lost (if it
 * cannot be put in place it stays in the reserved file, and the tool says where).
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { fail } from "./cli-connect.js";

export interface SecretFile {
  /** Write the secret and put the file in place; returns where it is (the target, or the reserved file if that failed). */
  commit(secret: string): { path: string; ok: boolean };
  /** Nothing was created: remove the reserved file. */
  abandon(): void;
}

/** Reserve `file` for a secret (exits with a clear message when it cannot, or when it exists and `replace` is not set). */
export function reserveSecretFile(tool: string, file: string, what: string, replace: boolean, rotateHint: string): SecretFile {
  if (!replace && existsSync(file)) fail(`${tool}: ${file} exists; nothing was created. Give another file, remove it, or pass --rotate to ${rotateHint}`);
  const tmp = `${file}.new-${process.pid}`;
  let fd: number;
  try {
    fd = openSync(tmp, "wx", 0o600);
  } catch (e) {
    fail(`${tool}: cannot write the ${what} file beside ${file} (${(e as Error).message}); nothing was created`);
  }
  let open = true;
  return {
    commit(secret) {
      writeSync(fd, secret + "\n");
      fsyncSync(fd);
      closeSync(fd);
      open = false;
      try {
        // Without replace, link (not rename) so a file that appeared meanwhile is not replaced.
        if (replace) renameSync(tmp, file);
        else {
          linkSync(tmp, file);
          rmSync(tmp);
        }
        return { path: file, ok: true };
      } catch (e) {
        console.error(`${tool}: could not put the ${what} at ${file} (${(e as Error).message}); it is in ${tmp}`);
        return { path: tmp, ok: false };
      }
    },
    abandon() {
      if (open) {
        try {
          closeSync(fd);
        } catch {
          /* already closed */
        }
      }
      rmSync(tmp, { force: true });
    },
  };
}
