// The layers of src/ as lint rules (see README "How it is laid out"): a folder may import only
// folders below it, the rules never import a transport or a hardware library, and drivers
// never import the rules. test/lint/layers.test.ts lints code that breaks each rule.

/** Lowest first. A folder may import folders of a lower rank only (and itself). */
export const LAYERS = [
  ["basics"], // the leaf: imports nothing of ours
  ["system"], // logger, clock, paths, crash points
  ["config"], // the configuration schema and loading
  ["store", "drivers", "input", "output"], // SQLite; the hardware behind small interfaces
  ["doors"], // the door supervisor
  ["bank"], // the rules (use cases)
  ["kiosk"], // who is at the keypad
  ["sync"], // upward sync and commands coming down
  ["api"], // the HTTP API
  ["compose"], // building a bank out of the parts
  // above everything: daemon.ts, main.ts, cli, tools, simulator, central, page
];

/** Libraries that carry a transport or hardware: the rules and the supervisor never import them. */
const TRANSPORTS = ["express", "pg", "serialport", "@serialport/*", "node-hid", "onoff", "better-sqlite3", "prom-client"];
const NO_TRANSPORTS = ["basics", "config", "doors", "bank", "kiosk"];

const folderImport = (folders) => ({
  // "../bank/x.js", "../../bank/x.js": another folder of src/, by name
  regex: `^(\\.\\./)+(${folders.join("|")})/`,
  message: "imports go down the layers only (eslint.layers.js, README \"How it is laid out\")",
});

export const layerConfigs = LAYERS.flatMap((group, rank) => {
  const above = LAYERS.slice(rank).flat();
  return group.map((folder) => {
    const forbidden = above.filter((f) => f !== folder);
    const patterns = [];
    if (forbidden.length) patterns.push(folderImport(forbidden));
    if (NO_TRANSPORTS.includes(folder)) {
      patterns.push({ group: TRANSPORTS, message: "the bank's rules and basics know nothing of HTTP, SQL, serial lines, HID or GPIO" });
    }
    // importing the app's own top (daemon, main) from any layer
    patterns.push({ regex: "^(\\.\\./)+(daemon|main)\\.js$", message: "only the composition root knows the daemon" });
    return { files: [`src/${folder}/**/*.ts`], rules: { "no-restricted-imports": ["error", { patterns }] } };
  });
});
