/**
 * Raw HTTP to each store: the fewest bytes and the least work a client can do per request
 * (node:http with a keep-alive agent, S3 presigned with SigV4 query auth, GCS anonymous,
 * Azure with an account SAS, HDFS with `user.name`). Used for the emulator's own ceiling
 * (the "raw HTTP" contender) and by the parent to seed the keys that list and delete use.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { BarePool } from './bare.mjs';

/** A keep-alive agent per concurrency level: the ceiling keeps up to `sockets` requests in flight. */
export function agent(sockets = 64) {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

/**
 * One HTTP request. `body` is a Buffer, a readable stream or undefined; the answer's body is
 * collected (or piped into `sink` when given). Rejects on a status outside `ok`.
 */
export function request(ag, method, url, { headers = {}, body, sink, ok = (s) => s < 300 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const h = { ...headers };
    if (Buffer.isBuffer(body)) h['content-length'] = body.length;
    const req = http.request(
      { agent: ag, method, hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers: h },
      (res) => {
        const chunks = [];
        const done = () => {
          const buf = Buffer.concat(chunks);
          if (!ok(res.statusCode))
            reject(new Error(`${method} ${u.pathname}: HTTP ${res.statusCode} ${buf.slice(0, 300)}`));
          else resolve({ status: res.statusCode, headers: res.headers, body: buf });
        };
        if (sink && ok(res.statusCode)) {
          res.pipe(sink);
          sink.on('finish', done).on('error', reject);
        } else {
          res.on('data', (c) => chunks.push(c)).on('end', done);
        }
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body === undefined || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const encPath = (p) => p.split('/').map(enc).join('/');
const hmac = (key, s) => createHmac('sha256', key).update(s).digest();

/** An S3 URL presigned with SigV4 query auth (UNSIGNED-PAYLOAD), so raw requests carry no signing work. */
export function presignS3({ endpoint, region, accessKeyId, secretAccessKey }, method, path, query = {}) {
  const u = new URL(endpoint);
  const now = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = now.slice(0, 8);
  const scope = `${day}/${region}/s3/aws4_request`;
  const q = {
    ...query,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${accessKeyId}/${scope}`,
    'X-Amz-Date': now,
    'X-Amz-Expires': '3600',
    'X-Amz-SignedHeaders': 'host',
  };
  const qs = Object.keys(q)
    .sort()
    .map((k) => `${enc(k)}=${enc(q[k])}`)
    .join('&');
  const canonical = [method, encPath(path), qs, `host:${u.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', now, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key = hmac(`AWS4${secretAccessKey}`, day);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const sig = createHmac('sha256', key).update(toSign).digest('hex');
  return `${u.origin}${encPath(path)}?${qs}&X-Amz-Signature=${sig}`;
}

/** Presigned URLs are reused for this long (they are valid for an hour). */
const PRESIGNED_REUSE_MS = 30 * 60 * 1000;

/**
 * Per store: how to put, get and delete one object with raw HTTP, and how to get a byte
 * range. `cfg` is the child's configuration (`store`, `conn`, `bucket`); `transport` is a
 * keep-alive `http.Agent` (node:http: streamed bodies and sinks) or a `BarePool` (bare.mjs:
 * Buffer bodies only). S3 URLs are presigned once per method and key and reused, so a
 * request repeated (the timed rows after their untimed pass) does no signing.
 */
export function rawStore(cfg, transport) {
  const { conn, bucket } = cfg;
  const send = transport instanceof BarePool ? (...a) => transport.send(...a) : (...a) => request(transport, ...a);
  switch (cfg.store) {
    case 's3': {
      const signed = new Map();
      const url = (m, key) => {
        const id = `${m} ${key}`;
        const had = signed.get(id);
        if (had !== undefined && performance.now() - had.at < PRESIGNED_REUSE_MS) return had.url;
        const fresh = { url: presignS3(conn, m, `/${bucket}/${key}`), at: performance.now() };
        signed.set(id, fresh);
        return fresh.url;
      };
      return {
        put: (key, body, len) =>
          send('PUT', url('PUT', key), { body, headers: len === undefined ? {} : { 'content-length': len } }),
        get: (key, range, sink) =>
          send('GET', url('GET', key), {
            headers: range ? { range: `bytes=${range[0]}-${range[1] - 1}` } : {},
            sink,
          }),
        del: (key) => send('DELETE', url('DELETE', key)),
      };
    }
    case 'gcs': {
      const base = conn.apiEndpoint;
      return {
        put: (key, body, len) =>
          send('POST', `${base}/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${enc(key)}`, {
            body,
            headers: {
              'content-type': 'application/octet-stream',
              ...(len === undefined ? {} : { 'content-length': len }),
            },
          }),
        get: (key, range, sink) =>
          send('GET', `${base}/storage/v1/b/${bucket}/o/${enc(key)}?alt=media`, {
            headers: range ? { range: `bytes=${range[0]}-${range[1] - 1}` } : {},
            sink,
          }),
        del: (key) => send('DELETE', `${base}/storage/v1/b/${bucket}/o/${enc(key)}`),
      };
    }
    case 'azure': {
      const u = (key) => `${conn.blobEndpoint}/${bucket}/${encPath(key)}?${conn.sas}`;
      const v = { 'x-ms-version': '2021-08-06' };
      return {
        put: (key, body, len) =>
          send('PUT', u(key), {
            body,
            headers: { ...v, 'x-ms-blob-type': 'BlockBlob', ...(len === undefined ? {} : { 'content-length': len }) },
          }),
        get: (key, range, sink) =>
          send('GET', u(key), {
            headers: range ? { ...v, range: `bytes=${range[0]}-${range[1] - 1}` } : v,
            sink,
          }),
        del: (key) => send('DELETE', u(key)),
      };
    }
    case 'hdfs': {
      const u = (key, op, extra = '') =>
        `${conn.namenodeUrl}/webhdfs/v1/${bucket}/${encPath(key)}?op=${op}&user.name=${conn.user}${extra}`;
      const follow = async (m, first, opts) => {
        const r = await send(m, first, { ok: (s) => s === 307 });
        return send(m, r.headers.location, opts);
      };
      return {
        put: (key, body, len) =>
          follow('PUT', u(key, 'CREATE', '&overwrite=true'), {
            body,
            headers: len === undefined ? {} : { 'content-length': len },
          }),
        get: (key, range, sink) =>
          follow('GET', u(key, 'OPEN', range ? `&offset=${range[0]}&length=${range[1] - range[0]}` : ''), { sink }),
        del: (key) => send('DELETE', u(key, 'DELETE')),
        /** RENAME of `key` to `to` (the server's warm-up: omnifs's writes end with one). */
        rename: (key, to) => send('PUT', u(key, 'RENAME', `&destination=${encPath(`/${bucket}/${to}`)}`)),
      };
    }
    default:
      throw new Error(`unknown store ${cfg.store}`);
  }
}

/** Runs `fn` over `items` with at most `width` in flight. */
export async function mapLimit(items, width, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}
