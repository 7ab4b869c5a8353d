/** A store in the registry: `filesystem(name)` and `name://` URLs for each of its names. */
import { clearInstanceCache, filesystem, urlToFs, type FileSystem } from '@omnifs/core';
import { expect } from '../chai';
import type { Store } from './store';

/** What the registry tests need besides the store. */
export interface RegistrySides {
  /** The store's class. */
  readonly type: abstract new (...args: never[]) => FileSystem;
  /** Its protocol names, the canonical one first: `['s3', 's3a']`. */
  readonly names: readonly string[];
  /** Options that reach the harness's server. */
  readonly options: () => Record<string, unknown>;
  /** The prefix of the environment variables the registry reads (`OMNIFS_S3_`), cleared after each test. */
  readonly envPrefix?: string;
}

/** `filesystem(name)` for every name, one cached instance for all, and reads through each URL form. */
export function registryTests(store: Store, sides: RegistrySides): void {
  const [main] = sides.names;
  afterEach(function () {
    const prefix = sides.envPrefix;
    if (prefix !== undefined) for (const k of Object.keys(process.env)) if (k.startsWith(prefix)) delete process.env[k];
    clearInstanceCache();
  });

  it(`serves filesystem() for ${sides.names.join(', ')}, one instance for all`, function () {
    for (const name of sides.names) {
      const f = filesystem(name, sides.options());
      expect(f, name).to.be.instanceOf(sides.type);
      expect(f.protocol, name).to.equal(main);
      expect(f, name).to.equal(filesystem(main!, sides.options()));
    }
  });

  it(`reads through ${sides.names.map((n) => `${n}://`).join(', ')} URLs`, async function () {
    const { fs, root } = store;
    await fs.writeText(`${root}/u.txt`, 'via url');
    for (const name of sides.names) {
      const url = `${name}://${root}/u.txt`;
      const { fs: viaUrl, path } = urlToFs(url, sides.options());
      expect(viaUrl, url).to.be.instanceOf(sides.type);
      expect(path, url).to.equal(`${root}/u.txt`);
      expect(await viaUrl.readText(path), url).to.equal('via url');
      expect(await filesystem(main!, sides.options()).readText(url), url).to.equal('via url');
      expect(await fs.readText(url), url).to.equal('via url');
      expect(viaUrl.unstripProtocol(path), url).to.equal(`${main}://${root}/u.txt`);
    }
  });
}
