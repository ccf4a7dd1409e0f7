'use strict';
/**
 * Entry point of the card system's aggregate worker thread (subgraphs/shared/aggregate-worker.ts
 * starts it; aggregates.ts names it). Plain JavaScript for the reason of
 * lib/audit/store-worker-bootstrap.js: under jest/ts-jest the thread has no TypeScript loader, so
 * tsx's CommonJS hook is registered only when none is there (tsx and node --import tsx pass theirs).
 */
if (!require.extensions['.ts']) require('tsx/cjs/api').register();
require('./aggregate-worker.ts');
