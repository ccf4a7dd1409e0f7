'use strict';
/**
 * Entry point of the audit store's worker thread (lib/audit/threaded-store.ts starts it).
 *
 * Plain JavaScript because a worker thread starts without the TypeScript loader of whoever
 * started it in two of the three ways the code runs: under `tsx` / `node --import tsx` the
 * worker inherits the loader through execArgv (`.ts` is then already registered), but under
 * jest/ts-jest the worker is a fresh thread outside jest's module registry, with nothing to
 * compile TypeScript. So: register tsx's CommonJS hook (a production dependency) only when no
 * loader is there, then load the real worker module.
 */
if (!require.extensions['.ts']) require('tsx/cjs/api').register();
require('./store-worker.ts');
