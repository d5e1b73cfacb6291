/** How long a pickup code may be (the configuration checks it; the code book enforces it). */
export const MIN_CODE_DIGITS = 6;
export const MAX_CODE_DIGITS = 10;
