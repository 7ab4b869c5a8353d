/**
 * The Node contenders of the race. Each is `make(cfg, conn) -> Client`, where a Client is
 *
 *   put(key, buf), get(key) -> bytes,            one object, one request's worth
 *   putMany([[key, buf]...])                      the library's own default batching
 *   upload(file, key), download(key, file)        a large file, the library's default transfer
 *   list(prefix) -> count, removeAll(prefix, keys)
 *   close()
 *
 * Keys are relative to the bucket (container, HDFS directory) `cfg.bucket`. `conn` is the
 * store's connection (direct, or through the latency / bandwidth-capping proxy). A contender
 * that cannot run here throws `Unavailable`; the row then says why instead of failing the run.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Unavailable } from '../lib/harness.mjs';
import { requireOpendal } from '../lib/opendal.mjs';
import { BarePool } from './bare.mjs';
import { agent, mapLimit, rawStore } from './raw.mjs';

/**
 * The option of omnifs's lean request path of S3 and Azure (on by default); the `omnifs-sdk` contender
 * turns it off, so the race shows the same library with every request through the SDK.
 * A build that does not know it rejects it as an unknown option: the contender is then
 * reported unavailable.
 */
export const LEAN_OPTION = 'leanRequests';

export const PROTOCOL = { s3: 's3', gcs: 'gcs', azure: 'az', hdfs: 'webhdfs' };

export function omnifsOptions(store, conn) {
  switch (store) {
    case 's3':
      return {
        endpoint: conn.endpoint,
        region: conn.region,
        forcePathStyle: true,
        credentials: { accessKeyId: conn.accessKeyId, secretAccessKey: conn.secretAccessKey },
      };
    case 'gcs':
      return { apiEndpoint: conn.apiEndpoint, projectId: conn.projectId };
    case 'azure':
      return { accountName: conn.accountName, accountKey: conn.accountKey, accountUrl: conn.blobEndpoint };
    case 'hdfs':
      return { url: conn.namenodeUrl, user: conn.user };
    default:
      throw new Error(`unknown store ${store}`);
  }
}

/** omnifs with its defaults; `extra` adds options (e.g. `{ lean: true }`) and OMNIFS_RACE_OPTIONS (JSON) more. */
async function omnifs(cfg, conn, extra = {}) {
  const { filesystem } = await import('@omnifs/core');
  await import(`@omnifs/${cfg.store}`);
  const env = process.env.OMNIFS_RACE_OPTIONS ? JSON.parse(process.env.OMNIFS_RACE_OPTIONS) : {};
  let fs;
  try {
    fs = filesystem(PROTOCOL[cfg.store], {
      ...omnifsOptions(cfg.store, conn),
      ...env,
      ...extra,
      skipInstanceCache: true,
    });
  } catch (err) {
    const unknown = Object.keys(extra).find((k) => String(err?.message).includes(`'${k}'`));
    if (unknown !== undefined) throw new Unavailable(`this build has no option '${unknown}'`);
    throw err;
  }
  const p = (key) => `${cfg.bucket}/${key}`;
  return {
    put: (key, buf) => fs.pipeFile(p(key), buf),
    get: (key) => fs.catFile(p(key)),
    putMany: (entries) => fs.pipe(Object.fromEntries(entries.map(([k, b]) => [p(k), b]))),
    upload: (file, key) => fs.put(file, p(key)),
    download: (key, file) => fs.get(p(key), file),
    list: async (prefix) => (await fs.find(p(prefix))).length,
    removeAll: (prefix) => fs.rm(p(prefix), { recursive: true }),
    close: () => fs.destroy?.(),
  };
}

// ---------------------------------------------------------------- the raw SDKs

async function s3Sdk(cfg, conn) {
  const s3 = await import('@aws-sdk/client-s3');
  const { Upload } = await import('@aws-sdk/lib-storage');
  const client = new s3.S3Client({
    endpoint: conn.endpoint,
    region: conn.region,
    forcePathStyle: true,
    credentials: { accessKeyId: conn.accessKeyId, secretAccessKey: conn.secretAccessKey },
  });
  const Bucket = cfg.bucket;
  const get = async (Key) => (await client.send(new s3.GetObjectCommand({ Bucket, Key }))).Body.transformToByteArray();
  const keysUnder = async (prefix) => {
    const keys = [];
    let token;
    do {
      const res = await client.send(
        new s3.ListObjectsV2Command({ Bucket, Prefix: `${prefix}/`, ContinuationToken: token }),
      );
      for (const o of res.Contents ?? []) keys.push(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys;
  };
  const put = (Key, Body) => client.send(new s3.PutObjectCommand({ Bucket, Key, Body }));
  return {
    put,
    get,
    putMany: (entries) => Promise.all(entries.map(([k, b]) => put(k, b))),
    upload: (file, Key) => new Upload({ client, params: { Bucket, Key, Body: createReadStream(file) } }).done(),
    download: async (Key, file) =>
      pipeline((await client.send(new s3.GetObjectCommand({ Bucket, Key }))).Body, createWriteStream(file)),
    list: async (prefix) => (await keysUnder(prefix)).length,
    removeAll: async (prefix) => {
      const keys = await keysUnder(prefix);
      for (let i = 0; i < keys.length; i += 1000)
        await client.send(
          new s3.DeleteObjectsCommand({
            Bucket,
            Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
          }),
        );
    },
    close: () => client.destroy(),
  };
}

async function gcsSdk(cfg, conn) {
  const { Storage } = await import('@google-cloud/storage');
  const storage = new Storage({ apiEndpoint: conn.apiEndpoint, projectId: conn.projectId });
  const bucket = storage.bucket(cfg.bucket);
  const put = (key, buf) => bucket.file(key).save(buf, { resumable: false });
  return {
    put,
    get: async (key) => (await bucket.file(key).download())[0],
    putMany: (entries) => Promise.all(entries.map(([k, b]) => put(k, b))),
    upload: (file, key) => bucket.upload(file, { destination: key }),
    download: (key, file) => bucket.file(key).download({ destination: file }),
    list: async (prefix) => (await bucket.getFiles({ prefix: `${prefix}/` }))[0].length,
    removeAll: (prefix) => bucket.deleteFiles({ prefix: `${prefix}/` }),
    close: () => {},
  };
}

async function azureSdk(cfg, conn) {
  const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  const service = new BlobServiceClient(
    conn.blobEndpoint,
    new StorageSharedKeyCredential(conn.accountName, conn.accountKey),
  );
  const container = service.getContainerClient(cfg.bucket);
  const blob = (key) => container.getBlockBlobClient(key);
  const put = (key, buf) => blob(key).upload(buf, buf.byteLength);
  const names = async (prefix) => {
    const out = [];
    for await (const b of container.listBlobsFlat({ prefix: `${prefix}/` })) out.push(b.name);
    return out;
  };
  return {
    put,
    get: (key) => blob(key).downloadToBuffer(),
    putMany: (entries) => Promise.all(entries.map(([k, b]) => put(k, b))),
    upload: (file, key) => blob(key).uploadFile(file),
    download: (key, file) => blob(key).downloadToFile(file),
    list: async (prefix) => (await names(prefix)).length,
    // No batch delete in the SDK's everyday API: 64 single deletes in flight.
    removeAll: async (prefix) => mapLimit(await names(prefix), 64, (n) => container.deleteBlob(n)),
    close: () => {},
  };
}

/** The npm `webhdfs` package (callback API, built on `request`). */
async function webhdfsNpm(cfg, conn) {
  const { default: WebHDFS } = await import('webhdfs');
  const u = new URL(conn.namenodeUrl);
  const client = WebHDFS.createClient({ host: u.hostname, port: Number(u.port), path: '/webhdfs/v1', user: conn.user });
  const call = (fn, ...args) =>
    new Promise((resolve, reject) => fn.call(client, ...args, (err, v) => (err ? reject(err) : resolve(v))));
  const p = (key) => `/${cfg.bucket}/${key}`;
  const count = async (dir) => {
    let n = 0;
    for (const st of await call(client.readdir, dir)) {
      n += st.type === 'DIRECTORY' ? await count(`${dir}/${st.pathSuffix}`) : 1;
    }
    return n;
  };
  const put = (key, buf) => call(client.writeFile, p(key), buf, {});
  return {
    put,
    get: (key) => call(client.readFile, p(key)),
    putMany: (entries) => Promise.all(entries.map(([k, b]) => put(k, b))),
    upload: (file, key) => {
      const ws = client.createWriteStream(p(key));
      return new Promise((resolve, reject) => {
        ws.on('finish', resolve).on('error', reject);
        createReadStream(file).on('error', reject).pipe(ws);
      });
    },
    download: (key, file) => pipeline(client.createReadStream(p(key)), createWriteStream(file)),
    list: (prefix) => count(p(prefix)),
    removeAll: (prefix) => call(client.unlink, p(prefix), true),
    close: () => {},
  };
}

// ---------------------------------------------------------------- OpenDAL, where it has the service

export function opendalConfig(cfg, conn) {
  switch (cfg.store) {
    case 's3':
      return [
        's3',
        {
          bucket: cfg.bucket,
          endpoint: conn.endpoint,
          region: conn.region,
          access_key_id: conn.accessKeyId,
          secret_access_key: conn.secretAccessKey,
        },
      ];
    case 'gcs':
      return [
        'gcs',
        {
          bucket: cfg.bucket,
          endpoint: conn.apiEndpoint,
          allow_anonymous: 'true',
          disable_vm_metadata: 'true',
          disable_config_load: 'true',
        },
      ];
    case 'azure':
      return [
        'azblob',
        {
          container: cfg.bucket,
          endpoint: conn.blobEndpoint,
          account_name: conn.accountName,
          account_key: conn.accountKey,
        },
      ];
    case 'hdfs':
      // Without an atomic write directory OpenDAL's WebHDFS writer takes one write() only.
      return [
        'webhdfs',
        { endpoint: conn.namenodeUrl, root: `/${cfg.bucket}`, atomic_write_dir: `/${cfg.bucket}-opendal-tmp` },
      ];
    default:
      throw new Error(`unknown store ${cfg.store}`);
  }
}

const OPENDAL_CHUNK = 8 * 1024 * 1024;

async function opendal(cfg, conn) {
  let op;
  try {
    const { Operator } = requireOpendal();
    op = new Operator(...opendalConfig(cfg, conn));
  } catch (err) {
    throw new Unavailable(`OpenDAL: ${String(err?.message).split('\n')[0]}`);
  }
  return {
    put: (key, buf) => op.write(key, buf),
    get: (key) => op.read(key),
    putMany: (entries) => Promise.all(entries.map(([k, b]) => op.write(k, b))),
    upload: async (file, key) => {
      const w = await op.writer(key, { chunk: BigInt(OPENDAL_CHUNK) });
      for await (const c of createReadStream(file, { highWaterMark: OPENDAL_CHUNK })) await w.write(c);
      await w.close();
    },
    download: async (key, file) => pipeline((await op.reader(key)).createReadStream(), createWriteStream(file)),
    list: async (prefix) =>
      (await op.list(`${prefix}/`, { recursive: true })).filter((e) => !e.path().endsWith('/')).length,
    removeAll: (prefix) => op.removeAll(`${prefix}/`),
    close: () => {},
  };
}

// ---------------------------------------------------------------- the emulator's ceiling

const PARTS = 8;

/** Writes the ceiling keeps in flight: as many as omnifs's default batch on a remote store. */
const CEILING_WRITES = 256;

/**
 * Raw HTTP at maximum concurrency, the server's own ceiling: small requests on the bare
 * client (bare.mjs; S3 URLs presigned once per key, so the timed rows, which repeat the
 * untimed pass's requests, sign nothing), 256 writes or 64 reads and deletes in flight;
 * large files through node:http, the download in 8 ranged parts.
 */
async function ceiling(cfg, conn) {
  const bare = new BarePool(CEILING_WRITES);
  const small = rawStore({ ...cfg, conn }, bare);
  const raw = rawStore({ ...cfg, conn }, agent(64));
  return {
    put: (key, buf) => small.put(key, buf),
    get: async (key) => (await small.get(key)).body,
    putMany: (entries) => mapLimit(entries, CEILING_WRITES, ([k, b]) => small.put(k, b)),
    getMany: (keys) => mapLimit(keys, 64, (k) => small.get(k)),
    upload: async (file, key) => raw.put(key, createReadStream(file), (await stat(file)).size),
    download: async (key, file) => {
      const { open } = await import('node:fs/promises');
      const size = cfg.largeSize;
      const part = Math.ceil(size / PARTS);
      const fh = await open(file, 'w');
      try {
        await mapLimit([...Array(PARTS).keys()], PARTS, async (i) => {
          const range = [i * part, Math.min(size, (i + 1) * part)];
          if (range[0] >= range[1]) return;
          const { body } = await raw.get(key, range);
          await fh.write(body, 0, body.length, range[0]);
        });
      } finally {
        await fh.close();
      }
    },
    list: undefined,
    removeAll: (_prefix, keys) => mapLimit(keys, 64, (k) => small.del(k)),
    close: () => bare.close(),
  };
}

/** Node contenders by id; which stores each runs on. */
export const NODE_CONTENDERS = {
  omnifs: { label: 'omnifs', make: (cfg, conn) => omnifs(cfg, conn) },
  'omnifs-sdk': {
    label: `omnifs (${LEAN_OPTION}: false)`,
    make: (cfg, conn) => omnifs(cfg, conn, { [LEAN_OPTION]: false }),
  },
  sdk: {
    label: {
      s3: 'raw AWS SDK',
      gcs: 'raw @google-cloud/storage',
      azure: 'raw @azure/storage-blob',
      hdfs: 'npm webhdfs',
    },
    make: (cfg, conn) => ({ s3: s3Sdk, gcs: gcsSdk, azure: azureSdk, hdfs: webhdfsNpm })[cfg.store](cfg, conn),
  },
  opendal: { label: 'OpenDAL 0.47.11', make: opendal },
  ceiling: { label: 'emulator ceiling (raw HTTP)', make: ceiling },
};
