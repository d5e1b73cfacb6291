/**
 * The passes module of lockerd-central (configuration key `passes`): issue return, courier and
 * technician passes signed with the service's pass key file, list them, revoke them. Banks
 * receive revocations with sync (central.pull_pass_revocations); the notifier confirms stored
 * returns (planReturns in ../notifier/deliveries.ts).
 */
import { defineModule } from "../service/module.js";
import { passRoutes } from "./routes.js";
import { loadPassKey, passSettingsSchema, type PassSettings } from "./settings.js";

export const passesModule = defineModule<PassSettings>({
  name: "passes",
  settings: passSettingsSchema,
  routes(deps, s) {
    const key = loadPassKey(deps.config, s);
    if (!key) deps.log.warn("passes.keyFile is not set: issuing passes is refused (this instance cannot sign them)");
    else deps.log.info({ keyId: key.keyId, publicKey: key.publicKeyBase64 }, "passes are signed with this key; every bank must list its public half in passes.trustedKeys");
    return passRoutes({ pool: deps.pool, clock: deps.clock, key, settings: s });
  },
});
