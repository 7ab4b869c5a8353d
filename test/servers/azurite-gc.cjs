'use strict';
// Preloaded into Azurite (see azurite.ts). Azurite's blob garbage collector runs 10
// minutes after the server starts and deletes the extents of deleted blobs one by one,
// each removal costing time in proportion to the extent table (Loki splices its array and
// shifts its index), without yielding to I/O: once a test run has written and deleted
// some thousands of blobs, that sweep holds the server silent for over a minute, and the
// requests of that minute time out. A server here lives for one test run (the race
// restarts it for each repetition), so the sweep is put off past its life.
const constants = require('azurite/dist/src/blob/utils/constants');

if (typeof constants.DEFAULT_GC_INTERVAL_MS !== 'number') {
  throw new Error('Azurite no longer has DEFAULT_GC_INTERVAL_MS: see test/servers/azurite-gc.cjs');
}
constants.DEFAULT_GC_INTERVAL_MS = 7 * 24 * 3600 * 1000;
