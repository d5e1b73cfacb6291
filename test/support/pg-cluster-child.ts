/**
 * A script that starts a private test cluster and then dies in the way the test asks: `wait`
 * keeps running until killed, `exit` exits at once without calling stop(). Prints the cluster
 * as one JSON line. Used by test/sync/test-clusters.test.ts.
 */
import { startPrivateCluster } from "./postgres-setup.js";

const [parent, mode] = process.argv.slice(2);
const cluster = await startPrivateCluster({ parent: parent! });
process.stdout.write(JSON.stringify({ adminUrl: cluster.adminUrl, dataDir: cluster.dataDir, pid: process.pid }) + "\n");
if (mode === "exit") process.exit(0);
setInterval(() => {}, 60_000);
