/**
 * Mocha root hooks for the server harness (registered in .mocharc.cjs): start the
 * servers the loaded suites asked for in the background, and stop them all at the end.
 */
import type { RootHookObject } from 'mocha';
import { prewarmWanted, stopAllServers } from './index';

/** Root hooks picked up by mocha from this `require`d module. */
export const mochaHooks: RootHookObject = {
  beforeAll(): void {
    prewarmWanted();
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await stopAllServers();
  },
};
