/** Queries on courier_credentials: credentials central issued or revoked. */
import type { Db } from "./database.js";

export interface StoredCredential {
  name: string;
  badgeSha256: string | null;
  pinHash: string | null;
  /** Null for a row that only revokes a configured courier. */
  addedAt: number | null;
  addedCommand: number | null;
  revokedAt: number | null;
  revokedCommand: number | null;
}

const COLUMNS = `name, badge_sha256 AS badgeSha256, pin_hash AS pinHash, added_at AS addedAt, added_command AS addedCommand,
  revoked_at AS revokedAt, revoked_command AS revokedCommand`;

/**
 * Statements are prepared on first use: the CLI's read-only fallback builds a Store over a file
 * the daemon may not have migrated yet, and only `lockerctl couriers` needs this table.
 */
export class CourierCredentialTable {
  private stmts: ReturnType<typeof prepare> | null = null;

  constructor(private readonly db: Db) {}

  private get s(): ReturnType<typeof prepare> {
    return (this.stmts ??= prepare(this.db));
  }

  /** Every row, revoked ones included (sign-in filters; listings show them). */
  all(): StoredCredential[] {
    return this.s.all.all();
  }

  get(name: string): StoredCredential | undefined {
    return this.s.get.get(name);
  }

  /** Inside a write transaction: add, or replace the credential of the same name. */
  put(c: { name: string; badgeSha256: string | null; pinHash: string | null }, at: number, command: number | null): void {
    this.s.put.run({ name: c.name, badgeSha256: c.badgeSha256, pinHash: c.pinHash, at, command });
  }

  /** Inside a write transaction: revoke by name (a row is made when only the configuration has the courier). */
  revoke(name: string, at: number, command: number | null): void {
    this.s.revoke.run({ name, at, command });
  }
}

function prepare(db: Db) {
  return {
    all: db.prepare<[], StoredCredential>(`SELECT ${COLUMNS} FROM courier_credentials ORDER BY name`),
    get: db.prepare<[string], StoredCredential>(`SELECT ${COLUMNS} FROM courier_credentials WHERE name = ?`),
    // A re-issued credential replaces the old one whole, and lifts a revocation.
    put: db.prepare(
      `INSERT INTO courier_credentials (name, badge_sha256, pin_hash, added_at, added_command) VALUES (@name, @badgeSha256, @pinHash, @at, @command)
       ON CONFLICT(name) DO UPDATE SET badge_sha256 = @badgeSha256, pin_hash = @pinHash, added_at = @at, added_command = @command,
         revoked_at = NULL, revoked_command = NULL`,
    ),
    revoke: db.prepare(
      `INSERT INTO courier_credentials (name, revoked_at, revoked_command) VALUES (@name, @at, @command)
       ON CONFLICT(name) DO UPDATE SET revoked_at = @at, revoked_command = @command`,
    ),
  };
}
