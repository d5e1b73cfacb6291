/** Ctrl-C ends a live view cleanly: an AbortSignal the follow loops watch. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once("SIGINT", onSig);
  process.once("SIGTERM", onSig);
  return {
    signal: ac.signal,
    dispose() {
      process.off("SIGINT", onSig);
      process.off("SIGTERM", onSig);
    },
  };
}
