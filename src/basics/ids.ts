import type { RandomSource } from "./ports.js";

/** A parcel id: "p_" and 20 hex digits (80 random bits), short enough to read out on the phone. */
export function newParcelId(random: RandomSource): string {
  return "p_" + random.bytes(10).toString("hex");
}
