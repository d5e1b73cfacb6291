/** @deprecated The one seeded randomness is test/support/random.ts; kept so branches written before the merge compile. */
export { SeededRandom } from "../support/random.js";
