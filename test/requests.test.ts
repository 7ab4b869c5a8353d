/**
 * The requests each common operation sends, counted at a proxy in front of each real
 * server, so a plan that grows is caught in review. Each row is the exact multiset of
 * request kinds (the operation's name in the protocol), sorted by name since some run
 * concurrently.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { FileSystem } from '@omnifs/core';
import { startCountingProxy, type CountedRequest, type CountingProxy } from './faults/counting';
import { freshBucket as freshS3Bucket, makeFs as makeS3, useS3 } from '../packages/s3/test/helpers';
import { freshBucket as freshGcsBucket, makeFs as makeGcs, useGcs } from '../packages/gcs/test/helpers';
import { freshContainer, makeFs as makeAzure, useAzure } from '../packages/azure/test/helpers';
import { freshDir, makeFs as makeHdfs, useHdfs } from '../packages/hdfs/test/helpers';

/** What one request was, in the protocol's words. */
type Classify = (r: CountedRequest) => string;

const query = (r: CountedRequest): URLSearchParams => new URL(r.url, 'http://x').searchParams;

/** S3: the operation from the method and the query (path-style requests). */
const s3Kind: Classify = (r) => {
  const q = query(r);
  const key = new URL(r.url, 'http://x').pathname.split('/').slice(2).join('/');
  if (r.method === 'GET' && q.get('list-type') === '2') return 'ListObjectsV2';
  if (r.method === 'POST' && q.has('delete')) return 'DeleteObjects';
  if (r.method === 'HEAD') return key === '' ? 'HeadBucket' : 'HeadObject';
  if (r.method === 'GET') return 'GetObject';
  if (r.method === 'PUT') return r.headerNames.includes('x-amz-copy-source') ? 'CopyObject' : 'PutObject';
  if (r.method === 'DELETE') return 'DeleteObject';
  return `${r.method} ?`;
};

/** GCS JSON and upload API. */
const gcsKind: Classify = (r) => {
  const path = new URL(r.url, 'http://x').pathname;
  const q = query(r);
  if (path.startsWith('/upload/')) return `upload ${q.get('uploadType') ?? '?'}`;
  if (path === '/batch/storage/v1') return 'batch';
  if (/\/o\/[^/]+\/(rewriteTo|copyTo)\//.test(path)) return 'objects.rewrite';
  if (q.get('alt') === 'media' || path.startsWith('/download/')) return 'objects.get media';
  if (/\/b\/[^/]+\/o$/.test(path)) return r.method === 'GET' ? 'objects.list' : `${r.method} objects`;
  if (/\/b\/[^/]+\/o\//.test(path)) return r.method === 'DELETE' ? 'objects.delete' : 'objects.get';
  if (/\/b\/[^/]+$/.test(path)) return 'buckets.get';
  return `${r.method} ${path}`;
};

/** Azure Blob REST. */
const azureKind: Classify = (r) => {
  const q = query(r);
  const comp = q.get('comp');
  if (q.get('restype') === 'container' && comp === 'list') return 'List Blobs';
  if (comp === 'batch') return 'Blob Batch';
  if (comp === 'block') return 'Put Block';
  if (comp === 'blocklist') return 'Put Block List';
  if (comp === 'metadata') return 'Set Blob Metadata';
  if (r.method === 'HEAD') return 'Get Blob Properties';
  if (r.method === 'GET') return 'Get Blob';
  if (r.method === 'PUT') return r.headerNames.includes('x-ms-copy-source') ? 'Copy Blob' : 'Put Blob';
  if (r.method === 'DELETE') return 'Delete Blob';
  return `${r.method} ${comp ?? '?'}`;
};

/** WebHDFS: the op, with the datanode step of a two-step call marked. */
const hdfsKind: Classify = (r) => {
  const op = query(r).get('op') ?? '?';
  return query(r).has('namenoderpcaddress') ? `${op} (datanode)` : op;
};

interface Target {
  name: string;
  kind: Classify;
  /** A filesystem whose requests go through `proxy`, and a fresh root on it. */
  setUp(proxy: CountingProxy): Promise<{ fs: FileSystem; root: string }>;
  proxyTarget(): string;
}

describe('requests per operation', function () {
  this.timeout(60_000);
  const s3 = useS3();
  const gcs = useGcs();
  const az = useAzure();
  const hdfs = useHdfs();

  const targets: Target[] = [
    {
      name: 's3',
      kind: s3Kind,
      proxyTarget: () => s3.info.endpoint,
      async setUp(proxy) {
        const fs = makeS3(s3.info, { endpoint: proxy.url });
        return { fs, root: await freshS3Bucket(s3.info, makeS3(s3.info)) };
      },
    },
    {
      name: 'gcs',
      kind: gcsKind,
      proxyTarget: () => gcs.info.apiEndpoint,
      async setUp(proxy) {
        const fs = makeGcs(gcs.info, { apiEndpoint: proxy.url });
        return { fs, root: await freshGcsBucket(gcs.info, makeGcs(gcs.info)) };
      },
    },
    {
      name: 'azure',
      kind: azureKind,
      proxyTarget: () => new URL(az.info.blobEndpoint).origin,
      async setUp(proxy) {
        const fs = makeAzure(az.info, { accountUrl: `${proxy.url}${new URL(az.info.blobEndpoint).pathname}` });
        return { fs, root: await freshContainer(az.info, makeAzure(az.info)) };
      },
    },
    {
      name: 'hdfs',
      kind: hdfsKind,
      proxyTarget: () => hdfs.info.namenodeUrl,
      async setUp(proxy) {
        return { fs: makeHdfs(hdfs.info, { url: proxy.url }), root: freshDir() };
      },
    },
  ];

  for (const t of targets) {
    describe(t.name, function () {
      let proxy: CountingProxy;
      let fs: FileSystem;
      let root: string;
      let local: string;
      before(async function () {
        proxy = await startCountingProxy({ target: t.proxyTarget() });
      });
      after(() => proxy?.close());
      beforeEach(async function () {
        ({ fs, root } = await t.setUp(proxy));
        local = await mkdtemp(join(tmpdir(), 'omnifs-requests-'));
        await fs.pipeFile(`${root}/data/a.txt`, new Uint8Array(1000));
        for (let d = 0; d < 3; d++) for (let f = 0; f < 2; f++) await fs.writeText(`${root}/tree/d${d}/f${f}.txt`, 'x');
        proxy.reset();
      });
      afterEach(() => rm(local, { recursive: true, force: true }));

      /** The request kinds `fn` sent, sorted by name. */
      async function sent(fn: () => Promise<unknown>): Promise<string[]> {
        proxy.reset();
        await fn();
        return proxy.requests.map((r) => t.kind(r)).sort();
      }

      it('info of a file', async function () {
        expect(await sent(() => fs.info(`${root}/data/a.txt`))).to.deep.equal(EXPECTED[t.name]!.info);
      });
      it('ls of a directory', async function () {
        expect(await sent(() => fs.ls(`${root}/tree`))).to.deep.equal(EXPECTED[t.name]!.ls);
      });
      it('find of a tree', async function () {
        expect(await sent(() => fs.find(`${root}/tree`))).to.deep.equal(EXPECTED[t.name]!.find);
      });
      it('put of one small file', async function () {
        await writeFile(join(local, 'up.txt'), 'hello');
        expect(await sent(() => fs.put(join(local, 'up.txt'), `${root}/up.txt`))).to.deep.equal(EXPECTED[t.name]!.put);
      });
      it('get of one small file', async function () {
        expect(await sent(() => fs.get(`${root}/data/a.txt`, join(local, 'a.txt')))).to.deep.equal(
          EXPECTED[t.name]!.get,
        );
      });
      it('cp of one file inside the store', async function () {
        expect(await sent(() => fs.cp(`${root}/data/a.txt`, `${root}/data/b.txt`))).to.deep.equal(EXPECTED[t.name]!.cp);
      });
      it('touch of an existing file, keeping its content', async function () {
        const file = `${root}/data/a.txt`;
        expect(await sent(() => fs.touch(file, { truncate: false }))).to.deep.equal(EXPECTED[t.name]!.touch);
        expect(await fs.cat(file)).to.deep.equal(new Uint8Array(1000));
      });
      it('rm -r of a tree of 6 files in 3 directories', async function () {
        expect(await sent(() => fs.rm(`${root}/tree`, { recursive: true }))).to.deep.equal(EXPECTED[t.name]!.rmTree);
        expect(await fs.exists(`${root}/tree`)).to.equal(false);
      });
      it('rm -r of one file', async function () {
        expect(await sent(() => fs.rm(`${root}/data/a.txt`, { recursive: true }))).to.deep.equal(
          EXPECTED[t.name]!.rmFile,
        );
        expect(await fs.exists(`${root}/data/a.txt`)).to.equal(false);
      });
    });
  }
});

/** Requests per backend and operation, sorted by name (docs/performance.md shows them). */
type Operation = 'info' | 'ls' | 'find' | 'put' | 'get' | 'cp' | 'touch' | 'rmTree' | 'rmFile';
const EXPECTED: Record<string, Record<Operation, string[]>> = {
  s3: {
    info: ['HeadObject'],
    ls: ['ListObjectsV2'],
    find: ['ListObjectsV2'],
    put: ['ListObjectsV2', 'PutObject'],
    get: ['GetObject', 'HeadObject'],
    cp: ['CopyObject', 'HeadObject', 'ListObjectsV2'],
    touch: ['CopyObject', 'HeadObject', 'HeadObject'],
    rmTree: ['DeleteObjects', 'HeadObject', 'ListObjectsV2'],
    rmFile: ['DeleteObjects', 'HeadObject', 'ListObjectsV2'],
  },
  gcs: {
    info: ['objects.get'],
    ls: ['objects.list'],
    find: ['objects.list'],
    put: ['objects.list', 'upload multipart'],
    get: ['objects.get', 'objects.get media'],
    cp: ['objects.get', 'objects.list', 'objects.rewrite'],
    touch: ['objects.get', 'objects.rewrite'],
    rmTree: ['batch', 'objects.get', 'objects.list'],
    rmFile: ['batch', 'objects.get', 'objects.list'],
  },
  azure: {
    info: ['Get Blob Properties'],
    ls: ['List Blobs'],
    find: ['List Blobs'],
    put: ['List Blobs', 'Put Blob'],
    get: ['Get Blob', 'Get Blob Properties'],
    cp: ['Copy Blob', 'Get Blob Properties', 'List Blobs'],
    touch: ['Get Blob Properties', 'Get Blob Properties', 'Set Blob Metadata'],
    rmTree: ['Blob Batch', 'Get Blob Properties', 'List Blobs'],
    rmFile: ['Blob Batch', 'Get Blob Properties', 'List Blobs'],
  },
  hdfs: {
    info: ['GETFILESTATUS'],
    ls: ['LISTSTATUS_BATCH'],
    find: ['GETFILESTATUS', 'LISTSTATUS_BATCH', 'LISTSTATUS_BATCH', 'LISTSTATUS_BATCH', 'LISTSTATUS_BATCH'],
    put: ['CREATE', 'CREATE (datanode)', 'GETFILESTATUS', 'RENAME'],
    get: ['GETFILESTATUS', 'GETFILESTATUS', 'OPEN', 'OPEN (datanode)'],
    cp: [
      'CREATE',
      'CREATE (datanode)',
      'GETFILESTATUS',
      'GETFILESTATUS',
      'GETFILESTATUS',
      'OPEN',
      'OPEN (datanode)',
      'RENAME',
    ],
    touch: ['GETFILESTATUS', 'SETTIMES'],
    rmTree: ['DELETE'],
    rmFile: ['DELETE'],
  },
};
