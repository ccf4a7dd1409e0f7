/**
 * `callers` loops that each await `call()` and start the next, until `total` calls have started
 * (a closed-loop load, as autocannon's connections make it): for the benches that drive one part
 * alone (subgraph-call-cost.ts, store-thread-cost.ts).
 */
export async function closedLoop(callers: number, total: number, call: () => Promise<unknown>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (started < total) {
        started += 1;
        await call();
      }
    }),
  );
}
