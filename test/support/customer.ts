/** A kiosk acting for a customer, for the work that gives way to one (basics/foreground.ts). */
import type { Foreground } from "../../src/basics/foreground.js";

export interface CustomerAtTheBank extends Foreground {
  /** The customer is done: the kiosk is idle from now on. */
  done(): void;
  /** How many times other work asked whether the kiosk is idle. */
  asked: number;
  /** performance.now() of the first time it was asked; null before. */
  firstAskedAt: number | null;
}

/** A kiosk that acts for a customer until done() is called. */
export function customerAtTheBank(): CustomerAtTheBank {
  let finish: () => void = () => {};
  let busy: Promise<void> | null = new Promise<void>((r) => (finish = r));
  const fg: CustomerAtTheBank = {
    asked: 0,
    firstAskedAt: null,
    idle: () => {
      fg.asked++;
      fg.firstAskedAt ??= performance.now();
      return busy;
    },
    done: () => {
      busy = null;
      finish();
    },
  };
  return fg;
}
