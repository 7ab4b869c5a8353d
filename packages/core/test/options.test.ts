/** Option schemas, method options, protocol-keyed URL options and URL checks (no server needed). */
import { expect } from 'chai';
import {
  availableProtocols,
  clearInstanceCache,
  filesystem,
  FsError,
  rsync,
  urlToFs,
  open,
  getFileSystemClass,
  type ProtocolRegistry,
} from '@omnifs/core';
import { checkMethodOptions, defineOptions, nearestName, validateOptions } from '@omnifs/core/backend';
import '@omnifs/memory';
import '@omnifs/local';
import '@omnifs/s3';

async function rejected(p: Promise<unknown> | (() => unknown)): Promise<FsError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).to.be.instanceOf(FsError);
    return err as FsError;
  }
  throw new Error('expected an FsError, got none');
}

function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('option schemas', () => {
  afterEach(() => clearInstanceCache());

  describe('nearestName', () => {
    it('finds typos, transpositions, case and underscore differences', () => {
      const names = ['endpoint', 'region', 'forcePathStyle', 'partSize', 'skipInstanceCache'];
      expect(nearestName('endpont', names)).to.equal('endpoint');
      expect(nearestName('endpiont', names)).to.equal('endpoint');
      expect(nearestName('force_path_style', names)).to.equal('forcePathStyle');
      expect(nearestName('Region', names)).to.equal('region');
      expect(nearestName('part', names)).to.equal('partSize');
    });

    it('suggests nothing for a name unlike any', () => {
      expect(nearestName('compression', ['endpoint', 'region'])).to.equal(undefined);
    });
  });

  describe('filesystem()', () => {
    it('refuses an unknown option, naming the nearest valid one', async () => {
      const err = await rejected(() => filesystem('s3', { endpont: 'http://127.0.0.1:1' } as never));
      expect(err.kind).to.equal('InvalidArgument');
      expect(err.code).to.equal('EINVAL');
      expect(err.message).to.equal("unknown option 'endpont' for s3; did you mean 'endpoint'?");
    });

    it('lists the valid options when nothing is close', async () => {
      const err = await rejected(() => filesystem('memory', { compression: 'gzip' } as never));
      expect(err.message).to.equal(
        "unknown option 'compression' for memory; valid options: skipInstanceCache, store, volume",
      );
    });

    it('refuses a wrong type or value, naming what is expected', async () => {
      expect((await rejected(() => filesystem('s3', { partSize: '8MiB' } as never))).message).to.equal(
        'option \'partSize\' of s3 must be an integer, got "8MiB"',
      );
      expect((await rejected(() => filesystem('s3', { forcePathStyle: 'yes' } as never))).message).to.equal(
        'option \'forcePathStyle\' of s3 must be a boolean, got "yes"',
      );
      expect((await rejected(() => filesystem('memory', { store: 'shard' } as never))).message).to.equal(
        'option \'store\' of memory must be one of "shared", "private", got "shard"',
      );
      expect((await rejected(() => filesystem('s3', { concurrency: 0 }))).message).to.equal(
        "option 'concurrency' of s3 must be at least 1, got 0",
      );
    });

    it('never shows the value of a secret option of the wrong type', async () => {
      const err = await rejected(() => filesystem('s3', { secretAccessKey: 12345678 } as never));
      expect(err.message).to.equal("option 'secretAccessKey' of s3 must be a string, got number");
    });

    it('takes undefined as not given', () => {
      expect(
        filesystem('s3', { region: undefined, endpoint: 'http://127.0.0.1:1', skipInstanceCache: true }).protocol,
      ).to.equal('s3');
    });

    it('checks options made with new as well', async () => {
      const S3 = getFileSystemClass('s3');
      expect((await rejected(() => new S3({ regoin: 'x' }))).message).to.equal(
        "unknown option 'regoin' for s3; did you mean 'region'?",
      );
    });

    it('checks the options of layers', async () => {
      const fs = filesystem('memory');
      expect((await rejected(() => filesystem('retry', { fs, maxAttempt: 3 } as never))).message).to.equal(
        "unknown option 'maxAttempt' for retry; did you mean 'maxAttempts'?",
      );
      expect((await rejected(() => filesystem('dir', { fs: 'nope', path: '/x' } as never))).message).to.equal(
        'option \'fs\' of dir must be a FileSystem to wrap, got "nope"',
      );
    });

    it('parses OMNIFS_<PROTOCOL>_* variables by the option type and names the variable of a mistake', async () => {
      const fs = withEnv({ OMNIFS_S3_PART_SIZE: String(16 * 1024 * 1024), OMNIFS_S3_REGION: '123' }, () =>
        filesystem('s3', { skipInstanceCache: true }),
      );
      expect(fs.storageOptions).to.deep.include({ partSize: 16 * 1024 * 1024, region: '123' });
      const err = await rejected(() =>
        withEnv({ OMNIFS_S3_ENDPIONT: 'x' }, () => filesystem('s3', { skipInstanceCache: true })),
      );
      expect(err.message).to.equal(
        "unknown option 'endpiont' for s3; did you mean 'endpoint'? (from OMNIFS_S3_ENDPIONT)",
      );
    });

    it('does not check a subclass that declares no schema of its own', () => {
      const Memory = getFileSystemClass('memory') as unknown as new (o: object) => { storageOptions: object };
      const Sub = class extends Memory {};
      expect(new Sub({ custom: 1 }).storageOptions).to.deep.equal({ custom: 1 });
    });
  });

  describe('defineOptions / validateOptions', () => {
    it('runs a custom check and accepts several types', async () => {
      interface Opts {
        when?: number | string;
        even?: number;
      }
      const schema = defineOptions<Opts>({
        when: { type: ['number', 'string'] },
        even: { type: 'integer', check: (v) => ((v as number) % 2 ? 'must be even' : undefined) },
      });
      validateOptions({ when: 'now', even: 2 }, schema, 'test');
      validateOptions({ when: 3 }, schema, 'test');
      expect((await rejected(() => validateOptions({ even: 3 }, schema, 'test'))).message).to.equal(
        "option 'even' of test must be even, got 3",
      );
      expect((await rejected(() => validateOptions({ when: true }, schema, 'test'))).message).to.equal(
        "option 'when' of test must be a number or a string, got true",
      );
    });

    it("names the option fsspec's name stands for, before any near name", async () => {
      interface Opts {
        accessKeyId?: string;
        secretAccessKey?: string;
      }
      const schema = defineOptions<Opts>({
        accessKeyId: { type: 'string', fsspec: ['key'] },
        secretAccessKey: { type: 'string', secret: true, fsspec: ['secret'] },
      });
      validateOptions({ accessKeyId: 'a', secretAccessKey: 's' }, schema, 'test');
      expect((await rejected(() => validateOptions({ secret: 'hunter2' }, schema, 'test'))).message).to.equal(
        "unknown option 'secret' for test; fsspec's 'secret' is given as 'secretAccessKey' here",
      );
      expect((await rejected(() => validateOptions({ access_key_id: 'a' }, schema, 'test'))).message).to.equal(
        "unknown option 'access_key_id' for test; did you mean 'accessKeyId'?",
      );
    });
  });
});

describe('method options', () => {
  const fs = filesystem('memory', { store: 'private' });

  it('refuses an option a method does not take, naming the nearest it does', async () => {
    const err = await rejected(fs.ls('/', { detial: true } as never));
    expect(err.kind).to.equal('InvalidArgument');
    expect(err.message).to.equal("ls does not take option 'detial'; did you mean 'detail'?");
  });

  it('refuses a misspelt signal on the metadata calls, which take nothing else', async () => {
    await fs.pipeFile('/meta.txt', 'm');
    const signal = new AbortController().signal;
    for (const [name, call] of [
      ['info', () => fs.info('/meta.txt', { sgnal: signal } as never)],
      ['exists', () => fs.exists('/meta.txt', { sgnal: signal } as never)],
      ['isFile', () => fs.isFile('/meta.txt', { sgnal: signal } as never)],
      ['isDir', () => fs.isDir('/meta.txt', { sgnal: signal } as never)],
      ['size', () => fs.size('/meta.txt', { sgnal: signal } as never)],
    ] as const) {
      const err = await rejected(call);
      expect(err.kind).to.equal('InvalidArgument');
      expect(err.message).to.equal(`${name} does not take option 'sgnal'; did you mean 'signal'?`);
    }
    expect(await fs.size('/meta.txt', { signal })).to.equal(1);
  });

  it('refuses an option rsync does not take, before anything is copied', async () => {
    await fs.pipe({ '/rs/src/a': 'a', '/rs/dst/stale': 'old' });
    const err = await rejected(
      rsync({ fs, path: '/rs/src' }, { fs, path: '/rs/dst' }, { delete_missing: true } as never),
    );
    expect(err.kind).to.equal('InvalidArgument');
    expect(err.message).to.equal("rsync does not take option 'delete_missing'; did you mean 'deleteMissing'?");
    expect(await fs.find('/rs/dst')).to.deep.equal(['/rs/dst/stale']);
  });

  it('refuses an options object for readText, a negative head or tail and a du total not boolean', async () => {
    await fs.pipeFile('/h.txt', 'hello');
    const text = await rejected(fs.readText('/h.txt', { encoding: 'latin1' } as never));
    expect(text.message).to.equal("readText takes an encoding name (readText(path, 'latin1')), got object");
    expect(text.code).to.equal('EINVAL');
    for (const call of [fs.head('/h.txt', -1), fs.tail('/h.txt', -1), fs.head('/h.txt', 1.5)])
      expect((await rejected(call)).kind).to.equal('InvalidArgument');
    expect((await rejected(fs.du('/', { total: 'no' } as never))).message).to.equal(
      `memory du "/": du's total must be true or false, got "no"`,
    );
    expect(Buffer.from(await fs.head('/h.txt', 2)).toString()).to.equal('he');
    expect(Buffer.from(await fs.tail('/h.txt', 2)).toString()).to.equal('lo');
  });

  it('refuses compression in open: it is not supported', async () => {
    const err = await rejected(fs.open('/x.gz', 'wb', { compression: 'gzip' } as never));
    expect(err.message).to.equal("open does not take option 'compression'; it takes blockSize, cacheBlocks, signal");
    expect(await fs.exists('/x.gz')).to.equal(false);
  });

  it('refuses signal where a method that is no operation says it takes none', async () => {
    const signal = new AbortController().signal;
    expect(() => checkMethodOptions({ times: 1, signal }, 'failNext', ['times'])).to.not.throw();
    const err = await rejected(() =>
      checkMethodOptions({ times: 1, signal }, 'failNext', ['times'], { signal: false }),
    );
    expect(err).to.include({ kind: 'InvalidArgument', code: 'EINVAL' });
    expect(err.message).to.equal("failNext does not take option 'signal'; it takes times");
    expect(
      (await rejected(() => checkMethodOptions({ tims: 1 }, 'failNext', ['times'], { signal: false }))).message,
    ).to.equal("failNext does not take option 'tims'; did you mean 'times'?");
  });

  it('writes text in the encoding asked for, and refuses an unknown encoding', async () => {
    await fs.writeText('/u16.txt', 'hé', { encoding: 'utf16le' });
    expect(Buffer.from(await fs.catFile('/u16.txt'))).to.deep.equal(Buffer.from('hé', 'utf16le'));
    expect(await fs.readText('/u16.txt', 'utf16le')).to.equal('hé');
    const err = await rejected(fs.writeText('/k.txt', 'x', { encoding: 'klingon' as BufferEncoding }));
    expect(err.message).to.include('encoding must be a Node.js text encoding');
    expect(await fs.exists('/k.txt')).to.equal(false);
  });

  it('takes signal in every method', async () => {
    expect(await fs.ls('/', { signal: new AbortController().signal } as never)).to.be.an('array');
  });
});

describe('protocol-keyed options in URLs', () => {
  afterEach(() => clearInstanceCache());

  it('gives options keyed by the protocol to that filesystem, merged with flat ones', () => {
    const { fs } = urlToFs('s3://b/k', { s3: { endpoint: 'http://127.0.0.1:1' }, region: 'eu-west-1' });
    expect(fs.storageOptions).to.deep.include({ endpoint: 'http://127.0.0.1:1', region: 'eu-west-1' });
  });

  it('accepts a key that is an alias of the URL protocol', () => {
    const { fs } = urlToFs('s3a://b/k', { s3: { region: 'eu-west-2' } });
    expect(fs.storageOptions).to.deep.include({ region: 'eu-west-2' });
  });

  it('gives each layer of a chained URL its own options, the flat ones to the outermost', () => {
    const { fs } = urlToFs('retry::blockcache::s3://b/k', {
      s3: { region: 'eu-west-1' },
      blockcache: { maxBlocks: 3 },
      maxAttempts: 2,
    });
    const retry = fs as unknown as {
      maxAttempts: number;
      storageOptions: Record<string, unknown>;
      fs: { storageOptions: Record<string, unknown>; fs: { storageOptions: object } };
    };
    expect(retry.storageOptions).to.deep.include({ maxAttempts: 2 });
    expect(retry.fs.storageOptions).to.deep.include({ maxBlocks: 3 });
    expect(retry.fs.fs.storageOptions).to.deep.include({ region: 'eu-west-1' });
  });

  it('says where a flat option of an inner layer belongs', async () => {
    const err = await rejected(() => urlToFs('simplecache::s3://b/k', { region: 'eu-west-1' }));
    expect(err.message).to.equal(
      "option 'region' is for the s3 layer of the chained URL: give it as { s3: { region: ... } }",
    );
  });

  it("names the layers' own option for fsspec's, and says what stands in for fsspec's other caches", async () => {
    const err = await rejected(() => urlToFs('simplecache::memory://k', { simplecache: { cache_storage: '/tmp/c' } }));
    expect(err.kind).to.equal('InvalidArgument');
    expect(err.message).to.equal(
      "unknown option 'cache_storage' for simplecache; fsspec's 'cache_storage' is given as 'cacheDir' here",
    );
    for (const layer of ['filecache', 'cached']) {
      const e = await rejected(() => urlToFs(`${layer}::memory://k`));
      expect(e.kind).to.equal('Unsupported');
      expect(e.message).to.include(`unknown protocol "${layer}"; fsspec's ${layer} `).and.include('blockcache::');
    }
  });

  it('refuses options keyed by a protocol the URL lacks, and a keyed value that is not an object', async () => {
    expect((await rejected(() => urlToFs('s3://b/k', { gs: { projectId: 'p' } }))).message).to.equal(
      "options for 'gs' were given, but the URL has no gs layer (its layers: s3)",
    );
    expect((await rejected(() => urlToFs('s3://b/k', { s3: 'eu-west-1' }))).message).to.equal(
      "options keyed by protocol 's3' must be an object, got string",
    );
  });

  it('refuses a typo inside keyed options', async () => {
    expect((await rejected(() => urlToFs('s3://b/k', { s3: { endpont: 'x' } }))).message).to.equal(
      "unknown option 'endpont' for s3; did you mean 'endpoint'?",
    );
  });

  it('passes keyed options through open()', async () => {
    const mem = filesystem('memory');
    await mem.writeText('/keyed/a.txt', 'abc');
    const f = await open('memory:///keyed/a.txt', 'rb', { memory: { store: 'shared' }, blockSize: 2 });
    expect(Buffer.from(await f.read()).toString()).to.equal('abc');
    await f.close();
    expect((await rejected(open('memory:///keyed/a.txt', 'rb', { memory: { stor: 'shared' } }))).message).to.include(
      "did you mean 'store'?",
    );
  });

  it('shares rsync storageOptions between the sides: keyed ones to their side, flat ones where taken', async () => {
    const mem = filesystem('memory');
    await mem.writeText('/rs/src/a.txt', 'a');
    const result = await rsync('memory:///rs/src', 'memory:///rs/dst', {
      storageOptions: { memory: { store: 'shared' } },
    });
    expect(result.copied.map((c) => c.dst)).to.deep.equal(['/rs/dst/a.txt']);
    expect(
      (await rejected(rsync('memory:///rs/src', 'memory:///rs/dst', { storageOptions: { gs: { projectId: 'p' } } })))
        .message,
    ).to.equal("options for 'gs' were given, but the URL has no gs layer (its layers: memory)");
    expect(
      (await rejected(rsync('memory:///rs/src', 'memory:///rs/dst', { storageOptions: { stor: 'shared' } }))).message,
    ).to.equal("unknown option 'stor' for memory; did you mean 'store'?");
  });
});

describe('URLs and names that are not what they seem', () => {
  afterEach(() => clearInstanceCache());

  it('refuses user-info in an s3 or gs URL and never shows the secret', async () => {
    for (const url of ['s3://user:hunter2@bucket/key', 'gs://user:hunter2@bucket/key']) {
      const protocol = url.slice(0, 2);
      const err = await rejected(() =>
        urlToFs(url, protocol === 'gs' ? { gs: { apiEndpoint: 'http://127.0.0.1:1', projectId: 'p' } } : {}),
      );
      expect(err.kind).to.equal('InvalidArgument');
      expect(err.message).to.include('***@bucket/key').and.not.include('hunter2');
    }
    const fs = filesystem('s3', { endpoint: 'http://127.0.0.1:1', region: 'us-east-1' });
    const err = await rejected(fs.info('s3://user:hunter2@bucket/key'));
    expect(`${err.message} ${err.path} ${String(err)}`).to.not.include('hunter2');
  }).timeout(10_000);

  it('names the root with s3:// and refuses an empty bucket before a key (s3:///key)', async () => {
    expect(urlToFs('s3://').path).to.equal('');
    expect(urlToFs('s3:///').path).to.equal('');
    const err = await rejected(() => urlToFs('s3:///key'));
    expect(err.message).to.include('empty bucket name');
  });

  it('refuses a lone surrogate in a name with InvalidArgument', async () => {
    const fs = filesystem('memory');
    const err = await rejected(fs.writeText('/bad\uD800name', 'x'));
    expect(err.kind).to.equal('InvalidArgument');
    expect(err.message).to.include('lone UTF-16 surrogate');
    expect(await fs.exists('/good\uD83D\uDE00name')).to.equal(false); // a paired surrogate is fine
  });

  it('does not take prototype keys for protocols', async () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      const err = await rejected(() => filesystem(name));
      expect(err.kind).to.equal('Unsupported');
      expect(err.message).to.include(`unknown protocol "${name.toLowerCase()}"`);
    }
    expect(availableProtocols()).to.not.include('constructor');
  });

  it('types the registry by declaration merging', () => {
    const key: keyof ProtocolRegistry = 's3';
    expect(key).to.equal('s3');
  });
});
