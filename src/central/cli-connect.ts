/** How the central tools connect: --url, else LOCKERD_CENTRAL_URL, else libpq's PG* variables. */
import pg from "pg";

export async function connectAdmin(url: string | undefined): Promise<pg.Client> {
  const connectionString = url ?? process.env.LOCKERD_CENTRAL_URL;
  const client = new pg.Client(connectionString ? { connectionString } : {});
  client.on("error", (e) => console.error(`connection lost: ${e.message}`));
  await client.connect();
  return client;
}

export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
