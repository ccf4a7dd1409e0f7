'use strict';
/**
 * Preloaded into the benchmark's deployed gateway (`node --expose-gc -r scripts/bench/heap-probe.cjs`):
 * on SIGUSR2 it runs a full garbage collection and appends the process's memory to
 * $HEAP_PROBE_FILE as one JSON line. RSS alone cannot tell a leak from an allocator that keeps
 * freed pages; the heap still in use after a full collection can. Plain JS: it is loaded before
 * any TypeScript loader. Main thread only (worker threads inherit the preload).
 */
const fs = require('node:fs');
const { isMainThread } = require('node:worker_threads');

if (isMainThread && typeof global.gc === 'function' && process.env.HEAP_PROBE_FILE) {
  process.on('SIGUSR2', () => {
    global.gc();
    global.gc();
    const memory = process.memoryUsage();
    const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
    const line = { at: new Date().toISOString(), rss: mib(memory.rss), heapUsed: mib(memory.heapUsed), heapTotal: mib(memory.heapTotal), external: mib(memory.external) };
    fs.appendFileSync(process.env.HEAP_PROBE_FILE, `${JSON.stringify(line)}\n`);
  });
}
