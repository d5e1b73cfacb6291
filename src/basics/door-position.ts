/** Where a door is, as its sensor says: the fact drivers report and everything above reads. */
export type DoorPosition = "open" | "closed" | "unknown";
