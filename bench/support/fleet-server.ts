/**
 * lockerd-central with the fleet module only, as its own process for the availability
 * benchmark (so the load generator does not share its event loop). Reads its configuration
 * from the JSON file named by argv[2]; prints {"url": ...} on stdout once it listens; stops on
 * SIGTERM.
 */
import { fleetModule } from "../../src/central/fleet/module.js";
import { loadCentralConfig } from "../../src/central/service/config.js";
import { startCentral } from "../../src/central/service/service.js";
import { createLogger } from "../../src/system/logger.js";

const config = loadCentralConfig({ path: process.argv[2]!, env: {}, moduleSettings: { fleet: fleetModule.settings! } });
const central = await startCentral({ config, log: createLogger({ level: "warn", pretty: false }), modules: [fleetModule] });
process.stdout.write(JSON.stringify({ url: central.url }) + "\n");
process.once("SIGTERM", () => {
  void central.stop().then(() => process.exit(0));
});
