/**
 * Aborted writes, the way an app meets them: the packed packages installed outside the
 * workspace, a filesystem made at import time in a child process, and a `put` of a file
 * several parts long aborted at moments spread over the time a whole put takes. What the
 * app hears must match what the store holds: a put that resolved stored the file whole, a
 * plain `Aborted` left nothing, and only an `Aborted` that says the service may have
 * carried it out (an abort after the last request went out) may have either.
 */
import { expect } from 'chai';
import { useStoreApps } from './stores';

/**
 * Made at import time from the protocol's options (JSON): times one whole `put`, then puts
 * the same file `trials` times, aborting each at a moment from 0 to 1.5 times that (and later
 * if none of those puts ended first); prints
 * what each put answered and, once the last has ended, whether each file exists and is the same.
 */
const SWEEP = `import { filesystem } from '@omnifs/core';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [protocol, json, dir, size, trials] = process.argv.slice(2);
const fs = filesystem(protocol, JSON.parse(json));
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
const src = join(mkdtempSync(join(tmpdir(), 'aborts-')), 'src.bin');
writeFileSync(src, randomBytes(Number(size)));
const want = sha(readFileSync(src));
await fs.makedirs(dir, { existOk: true });
const t0 = performance.now();
await fs.put(src, dir + '/whole.bin');
const whole = performance.now() - t0;
const results = [];
// Moments spread from 0 to 1.5 times the whole put; then, while no put has outrun its abort
// (a machine under load makes later puts slower than the first), twice the last moment, a
// few times more.
const moments = Array.from({ length: Number(trials) }, (_, i) => (1.5 * whole * i) / Number(trials));
for (let i = 0; i < moments.length; i++) {
  const controller = new AbortController();
  const at = moments[i];
  const timer = setTimeout(() => controller.abort(), at);
  const path = dir + '/t' + i + '.bin';
  let heard;
  try {
    await fs.put(src, path, { signal: controller.signal });
    heard = 'done';
  } catch (err) {
    if (err.kind !== 'Aborted') heard = err.kind + ': ' + err.message;
    else heard = err.message.endsWith('after the request was sent: the service may have carried it out') ? 'maybe' : 'aborted';
  }
  clearTimeout(timer);
  results.push({ at: Math.round(at), heard, path });
  const last = moments.length - 1;
  if (i === last && last < Number(trials) + 6 && !results.some((t) => t.heard === 'done')) moments.push(2 * at);
}
// Whatever the service still finishes after a call ended has landed by now: each trial's
// file is looked at after this, the first ones long after.
await new Promise((resolve) => setTimeout(resolve, 300));
for (const t of results) {
  t.stored = await fs.exists(t.path);
  t.same = t.stored ? sha(await fs.cat(t.path)) === want : null;
  delete t.path;
}
console.log(JSON.stringify({ whole: Math.round(whole), results }));
`;

interface Trial {
  at: number;
  heard: string;
  stored: boolean;
  same: boolean | null;
}

describe('an app aborts puts at every moment', function () {
  this.timeout(300_000);
  const { app, stores } = useStoreApps({ 'sweep.mjs': SWEEP });
  /** Two parts of the default 8 MiB and a few bytes. */
  const SIZE = 8 * 1024 * 1024 + 1_234_567;
  const TRIALS = 24;

  // Each store on its default request path, and S3 and Azure through their SDKs too, as the
  // environment of an app that turned the lean path off asks.
  const SDK_PATH = { OMNIFS_S3_LEAN_REQUESTS: 'false', OMNIFS_AZ_LEAN_REQUESTS: 'false' };
  const cases = [
    ...stores.map((store) => ({ store, how: store.how, env: {} })),
    ...stores
      .filter((store) => store.name === 's3' || store.name === 'azure')
      .map((store) => ({ store, how: `${store.how}, through the SDK`, env: SDK_PATH })),
  ];
  for (const { store, how, env } of cases) {
    it(`${store.name}: ${how}, each put is done and stored, or aborted and absent`, async () => {
      const args = [store.protocol, JSON.stringify(store.options()), store.dir(), String(SIZE), String(TRIALS)];
      const r = await app().run('sweep.mjs', { env: { ...store.env(), ...env }, args, timeoutMs: 240_000 });
      expect(r.code, r.stderr).to.equal(0);
      const { results } = JSON.parse(r.stdout) as { whole: number; results: Trial[] };
      for (const t of results) {
        const what = JSON.stringify(t);
        expect(['done', 'aborted', 'maybe'], what).to.include(t.heard);
        if (t.heard === 'done') expect(t.stored, what).to.equal(true);
        if (t.heard === 'aborted') expect(t.stored, what).to.equal(false);
        if (t.stored) expect(t.same, what).to.equal(true);
      }
      // The sweep spans the put: aborted at its start, done once the abort comes after it.
      expect(results[0]!.heard).to.equal('aborted');
      expect(results.map((t) => t.heard)).to.include('done');
    });
  }
});
