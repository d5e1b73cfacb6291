/** The commands and their one-line summaries; a command's module (and its imports) loads only when it runs. */
import type { Command } from "./command.js";

export interface Entry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly Entry[] = [
  { name: "status", summary: "the bank as a grid of doors, counts per size, daemon and sync health", load: async () => (await import("./commands/status.js")).statusCommand },
  { name: "open", summary: "open one door (asks first; an occupied locker needs --force)", load: async () => (await import("./commands/open.js")).openCommand },
  { name: "disable", summary: "take a locker out of service (--reason required)", load: async () => (await import("./commands/service.js")).disableCommand },
  { name: "enable", summary: "put a locker back in service", load: async () => (await import("./commands/service.js")).enableCommand },
  { name: "test", summary: "test relays (pulse every lock, check the sensors) | test sensors (live door events)", load: async () => (await import("./commands/test.js")).testCommand },
  { name: "watch", summary: "live events (doors, alarms, parcels, inputs) until Ctrl-C", load: async () => (await import("./commands/watch.js")).watchCommand },
  { name: "events", summary: "recent events (--type, --locker, --limit, --follow)", load: async () => (await import("./commands/events.js")).eventsCommand },
  { name: "parcels", summary: "find parcels by id, --ref, --locker or --status (never shows codes)", load: async () => (await import("./commands/parcels.js")).parcelsCommand },
  { name: "lockouts", summary: "failed codes/PINs per keypad or caller, lockouts; `lockouts clear SOURCE` lifts one", load: async () => (await import("./commands/lockouts.js")).lockoutsCommand },
  { name: "couriers", summary: "courier credentials: configured and issued by central, active or revoked (never hashes)", load: async () => (await import("./commands/couriers.js")).couriersCommand },
  { name: "commands", summary: "central commands: the operator keys this bank trusts, the remote-open limit, commands refused", load: async () => (await import("./commands/commands.js")).commandsCommand },
  { name: "sync", summary: "upward sync: backlog, lag, last error; `sync now` pushes immediately", load: async () => (await import("./commands/sync.js")).syncCommand },
  { name: "doctor", summary: "check config, database, disk, GPIO/serial/boards, inputs, clock, sync, codes, watchdog", load: async () => (await import("./commands/doctor.js")).doctorCommand },
  { name: "calibrate", summary: "a new bank with the daemon stopped: find the boards, learn the sensor polarity, pulse each lock against the layout, write the configuration", load: async () => (await import("./commands/calibrate.js")).calibrateCommand },
  { name: "backup", summary: "a consistent online copy of the database (works while the daemon runs)", load: async () => (await import("./commands/backup.js")).backupCommand },
];
