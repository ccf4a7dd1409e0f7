'use strict';
/**
 * Entry point of the register's aggregate worker thread (subgraphs/shared/aggregate-worker.ts
 * starts it; aggregates.ts names it).
 *
 * Plain JavaScript for the reason of lib/audit/store-worker-bootstrap.js: under `tsx` /
 * `node --import tsx` the worker inherits the TypeScript loader through execArgv, but under
 * jest/ts-jest it is a fresh thread with nothing to compile TypeScript. So: register tsx's
 * CommonJS hook (a production dependency) only when no loader is there, then load the worker.
 */
if (!require.extensions['.ts']) require('tsx/cjs/api').register();
require('./aggregate-worker.ts');
