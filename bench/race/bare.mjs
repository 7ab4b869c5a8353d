/**
 * A bare HTTP/1.1 client for the ceiling's small requests: keep-alive sockets per origin,
 * each request head written as one string (with its body when it has one), answers framed
 * by Content-Length or chunked encoding and collected whole. No agent, no header objects
 * beyond the answer's, no streams: the least JavaScript a request can cost in Node, so that
 * the ceiling shows what the server serves rather than what a client library costs.
 * Bodies are Buffers; streamed bodies and sinks are node:http's (`request` in raw.mjs).
 */
import net from 'node:net';

/** Sockets idle longer than this are closed rather than reused (servers close idle ones at 5 s). */
const IDLE_MS = 4000;

export class BarePool {
  /** @param {number} sockets most connections per origin */
  constructor(sockets = 64) {
    this.sockets = sockets;
    /** origin -> { idle: [{ socket, since }], open: number, waiting: [resolve] } */
    this.origins = new Map();
    /** Sockets closed and no longer counted as open. */
    this.gone = new WeakSet();
  }

  /**
   * One request; resolves to `{ status, headers, body }` (header names in lower case).
   * Rejects on a status outside `ok`. `method`s are those of the race (idempotent), so a
   * request whose reused socket turns out closed is sent once more on a new one.
   */
  async send(method, url, { headers = {}, body, ok = (s) => s < 300, sink } = {}) {
    if (sink !== undefined || (body !== undefined && !Buffer.isBuffer(body)))
      throw new Error('the bare client sends Buffers and collects answers; streams go through node:http');
    const u = typeof url === 'string' ? new URL(url) : url;
    let head = `${method} ${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\n`;
    for (const [k, v] of Object.entries(headers)) if (k !== 'content-length') head += `${k}: ${v}\r\n`;
    if (body !== undefined || method === 'PUT' || method === 'POST') head += `content-length: ${body?.length ?? 0}\r\n`;
    const out =
      body === undefined || body.length === 0
        ? head + '\r\n'
        : Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);
    const origin = this.origin(u);
    for (let attempt = 0; ; attempt++) {
      const { socket, reused } = await this.acquire(origin, u, attempt > 0);
      try {
        const res = await exchange(socket, out, method === 'HEAD');
        if (res.reusable) this.release(origin, socket);
        else this.discard(origin, socket);
        if (!ok(res.status))
          throw Object.assign(new Error(`${method} ${u.pathname}: HTTP ${res.status} ${res.body.subarray(0, 300)}`), {
            status: res.status,
          });
        return res;
      } catch (err) {
        if (err.status === undefined) this.discard(origin, socket);
        if (err.status !== undefined || !reused || err.gotBytes || attempt > 0) throw err;
      }
    }
  }

  /** Closes every idle socket. */
  close() {
    for (const o of this.origins.values()) for (const { socket } of o.idle.splice(0)) socket.destroy();
  }

  origin(u) {
    let o = this.origins.get(u.host);
    if (o === undefined) this.origins.set(u.host, (o = { idle: [], open: 0, waiting: [] }));
    return o;
  }

  /** An idle socket of `o` (unless `fresh`), else a new one once fewer than `sockets` are open. */
  async acquire(o, u, fresh) {
    for (;;) {
      const now = performance.now();
      while (o.idle.length > 0 && !fresh) {
        const { socket, since } = o.idle.pop();
        if (now - since < IDLE_MS && !socket.destroyed && socket.readable) return { socket, reused: true };
        this.discard(o, socket);
      }
      // A retry's new socket takes the place of an idle one when the pool is full.
      if (fresh && o.open >= this.sockets && o.idle.length > 0) this.discard(o, o.idle.shift().socket);
      if (o.open < this.sockets) {
        o.open++;
        try {
          return { socket: await connect(u), reused: false };
        } catch (err) {
          o.open--;
          throw err;
        }
      }
      await new Promise((resolve) => o.waiting.push(resolve));
    }
  }

  release(o, socket) {
    o.idle.push({ socket, since: performance.now() });
    o.waiting.shift()?.();
  }

  discard(o, socket) {
    if (this.gone.has(socket)) return;
    this.gone.add(socket);
    socket.destroy();
    o.open--;
    o.waiting.shift()?.();
  }
}

function connect(u) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port || 80), u.hostname);
    socket.setNoDelay(true);
    socket.once('connect', () => {
      socket.off('error', reject);
      // An idle socket the server closes is noticed when it is next taken (`readable`).
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Writes `out` on `socket` and reads one answer. */
function exchange(socket, out, isHead) {
  return new Promise((resolve, reject) => {
    let buf;
    let res;
    let need = -1; // bytes of the whole answer (head + body) when known
    let chunked = false;
    const finish = (err) => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (err !== undefined) reject(Object.assign(err, { gotBytes: buf !== undefined }));
      else resolve(res);
    };
    const onError = (err) => finish(err);
    const onEnd = () => {
      if (res !== undefined && need < 0 && !chunked) {
        res.body = buf.subarray(res.bodyAt);
        res.reusable = false;
        finish();
      } else finish(Object.assign(new Error('connection closed before the answer ended'), { code: 'ECONNRESET' }));
    };
    const onData = (chunk) => {
      try {
        take(chunk);
      } catch (err) {
        finish(err);
      }
    };
    const take = (chunk) => {
      buf = buf === undefined ? chunk : Buffer.concat([buf, chunk]);
      if (res === undefined) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        res = parseHead(buf.toString('latin1', 0, end));
        res.bodyAt = end + 4;
        const length = res.headers['content-length'];
        const noBody = isHead || res.status === 204 || res.status === 304;
        if (noBody) need = res.bodyAt;
        else if (/chunked/i.test(res.headers['transfer-encoding'] ?? '')) chunked = true;
        else if (length !== undefined) need = res.bodyAt + Number(length);
        else res.reusable = false; // read to the end of the connection
      }
      if (chunked) {
        const body = unchunk(buf, res.bodyAt);
        if (body === undefined) return;
        res.body = body;
        return finish();
      }
      if (need >= 0 && buf.length >= need) {
        res.body = buf.subarray(res.bodyAt, need);
        if (buf.length > need) res.reusable = false;
        finish();
      }
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    socket.write(out, 'latin1');
  });
}

function parseHead(text) {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
  if (m === null) throw new Error(`not an HTTP/1.x answer: ${lines[0].slice(0, 60)}`);
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon > 0) headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  const conn = (headers.connection ?? '').toLowerCase();
  const reusable = m[1] === '1' ? !conn.includes('close') : conn.includes('keep-alive');
  return { status: Number(m[2]), headers, reusable };
}

/** The body of a chunked answer starting at `at` in `buf`, or undefined while it is incomplete. */
function unchunk(buf, at) {
  const parts = [];
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.toString('latin1', at, eol), 16);
    if (Number.isNaN(size)) throw new Error('a malformed chunk size');
    if (size === 0) {
      const end = buf.indexOf('\r\n\r\n', eol);
      return end < 0 ? undefined : Buffer.concat(parts);
    }
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
