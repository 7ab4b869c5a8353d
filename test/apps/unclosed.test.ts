/**
 * A writer the app never closes, the way an app meets it: the packed packages installed
 * outside the workspace, a filesystem made at import time in a child process. Whatever the
 * store, the process ends with the app's last line; the upload stays uncommitted.
 */
import { expect } from 'chai';
import { useStoreApps } from './stores';

/** Opens a file for writing, writes two parts' worth (streamed uploads are under way), and ends without closing it. */
const LEFT_OPEN = `import { filesystem } from '@omnifs/core';
const [protocol, json, dir] = process.argv.slice(2);
// An idle timeout far beyond the test's wait: only the app's end may end the process.
const fs = filesystem(protocol, { ...JSON.parse(json), idleTimeout: 600000 });
await fs.makedirs(dir, { existOk: true });
const f = await fs.open(dir + '/left-open.bin', 'wb');
await f.write(Buffer.alloc(12 * 1024 * 1024, 1));
console.log('written');
`;

/** Says whether the file is there. */
const EXISTS = `import { filesystem } from '@omnifs/core';
const [protocol, json, path] = process.argv.slice(2);
console.log(await filesystem(protocol, JSON.parse(json)).exists(path));
`;

describe('an app leaves a writer unclosed', function () {
  this.timeout(120_000);
  const { app, stores } = useStoreApps({ 'left-open.mjs': LEFT_OPEN, 'exists.mjs': EXISTS });
  for (const store of stores) {
    it(`${store.name}: ${store.how}, the process ends with the app and nothing is committed`, async () => {
      const dir = store.dir();
      const options = JSON.stringify(store.options());
      const r = await app().run('left-open.mjs', {
        env: store.env(),
        args: [store.protocol, options, dir],
        timeoutMs: 60_000,
      });
      expect(r.signal, 'the process ended by itself').to.equal(null);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout.trim()).to.equal('written');
      const exists = await app().run('exists.mjs', {
        env: store.env(),
        args: [store.protocol, options, `${dir}/left-open.bin`],
      });
      expect(exists.stdout.trim(), exists.stderr).to.equal('false');
    });
  }
});
