/**
 * Large files, the way an app moves them: the packed packages installed outside the
 * workspace, a filesystem made at import time in a child process whose environment holds
 * only the store's own variables, and a file several parts long uploaded with `put` and
 * downloaded with `get` (ranged parts, each read from the socket through two windows and
 * written in place), byte for byte, with progress to the end.
 */
import { expect } from 'chai';
import { useStoreApps } from './stores';

/**
 * Made at import time from the protocol's options (JSON); puts a random file of `size`
 * bytes and gets it back, printing whether the copy is the same, the last progress of each
 * transfer, and the files left in the download directory.
 */
const MOVE = `import { filesystem } from '@omnifs/core';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [protocol, json, dir, size] = process.argv.slice(2);
const fs = filesystem(protocol, JSON.parse(json));
const sha = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
try {
  const local = mkdtempSync(join(tmpdir(), 'move-'));
  writeFileSync(join(local, 'src.bin'), randomBytes(Number(size)));
  await fs.makedirs(dir, { existOk: true });
  const up = [];
  await fs.put(join(local, 'src.bin'), dir + '/big.bin', { onProgress: (p) => up.push(p) });
  const down = [];
  await fs.get(dir + '/big.bin', join(local, 'out', 'big.bin'), { onProgress: (p) => down.push(p) });
  console.log(JSON.stringify({
    same: sha(join(local, 'src.bin')) === sha(join(local, 'out', 'big.bin')),
    up: up.at(-1),
    down: down.at(-1),
    left: readdirSync(join(local, 'out')),
  }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message, code: err.code }));
}
`;

describe('an app moves a large file', function () {
  this.timeout(300_000);
  const { app, stores } = useStoreApps({ 'move.mjs': MOVE });
  /** Five parts of the default 8 MiB, and two of HDFS's 32 MiB reads. */
  const SIZE = 4 * 8 * 1024 * 1024 + 1_234_567;
  const whole = { bytes: SIZE, totalBytes: SIZE, files: 1, totalFiles: 1 };

  for (const store of stores) {
    it(`${store.name}: ${store.how}, byte-exact both ways`, async () => {
      const args = [store.protocol, JSON.stringify(store.options()), store.dir(), String(SIZE)];
      const r = await app().run('move.mjs', { env: store.env(), args });
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.deep.equal({ same: true, up: whole, down: whole, left: ['big.bin'] });
    });
  }
});
