/**
 * One API client flooding the bank with assignments (assign an L locker, then cancel it, so the
 * locker frees at once), in its own process so it does not disturb the customer's timestamps.
 * Runs until stdin closes; prints {"rounds": n}. Arguments: the API's URL and a token.
 */
const [url, token] = process.argv.slice(2) as [string, string];
let done = false;
process.stdin.on("end", () => (done = true)).resume();
let rounds = 0;
const json = { "content-type": "application/json", authorization: `Bearer ${token}` };
while (!done) {
  try {
    const r = await fetch(`${url}/lockers/assign`, { method: "POST", headers: json, body: JSON.stringify({ size: "L" }) });
    const body = (await r.json()) as { parcelId?: string };
    if (body.parcelId) await fetch(`${url}/packages/${body.parcelId}/cancel`, { method: "POST", headers: json, body: "{}" });
    rounds++;
  } catch {
    await new Promise((r) => setTimeout(r, 50));
  }
}
process.stdout.write(JSON.stringify({ rounds }) + "\n");
