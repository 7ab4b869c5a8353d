/**
 * The lean path's SigV4 signatures, checked as a service checks them: a proxy in front of
 * the test server signs each request it receives again with the SDK's own signer
 * (`@smithy/signature-v4`) and the same secret, and answers 403 SignatureDoesNotMatch
 * when the signatures differ. (The test server itself does not check signatures.)
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { expect } from 'chai';
import { createHash, createHmac, randomBytes, type Hash, type Hmac } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FsError } from '@omnifs/core';
import type { S3FileSystem } from '@omnifs/s3';
import type { SourceData } from '@smithy/types';
import { connection, freshBucket, makeFs, useS3 } from './helpers';

/** The SHA-256 the SDK's signer takes (a keyed one is an HMAC), on node:crypto. */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.h.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.h.digest());
  }
}

/** Signer input as something node:crypto takes. */
function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** `20261130T031500Z` as a Date. */
function amzDate(s: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (m === null) throw new Error(`bad x-amz-date ${s}`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** The query of a raw request target, decoded, as the signer takes it. */
function queryOf(search: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const pair of search.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const k = eq < 0 ? pair : pair.slice(0, eq);
    query[decodeURIComponent(k)] = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
  }
  return query;
}

interface Verifier {
  url: string;
  checked: number;
  rejected: string[];
  /** The `host` header of each request, in order. */
  hosts: string[];
  close(): Promise<void>;
}

/**
 * A proxy to `target` that lets through only requests whose signature the SDK's signer
 * makes too; it listens on `listen` (an IPv4 or IPv6 loopback address).
 */
async function startVerifier(target: string, secretAccessKey: string, listen = '127.0.0.1'): Promise<Verifier> {
  const upstream = new URL(target);
  const state = { checked: 0, rejected: [] as string[], hosts: [] as string[] };
  const verify = async (req: IncomingMessage): Promise<boolean> => {
    const auth =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        String(req.headers.authorization ?? ''),
      );
    if (auth === null) return false;
    const [, accessKeyId, , region, signedHeaders, signature] = auth;
    const headers: Record<string, string> = {};
    for (const name of signedHeaders!.split(';')) headers[name] = String(req.headers[name] ?? '');
    const raw = req.url!;
    const q = raw.indexOf('?');
    const token = req.headers['x-amz-security-token'];
    const signer = new SignatureV4({
      credentials: { accessKeyId: accessKeyId!, secretAccessKey, ...(token ? { sessionToken: String(token) } : {}) },
      region: region!,
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: req.method!,
        protocol: 'http:',
        hostname: upstream.hostname,
        path: q < 0 ? raw : raw.slice(0, q),
        query: queryOf(q < 0 ? '' : raw.slice(q + 1)),
        headers,
      },
      { signingDate: amzDate(String(req.headers['x-amz-date'])), signingRegion: region!, signingService: 's3' },
    );
    return String(signed.headers.authorization).endsWith(`Signature=${signature}`);
  };
  const server: Server = createServer((req, res) => {
    state.hosts.push(String(req.headers.host));
    void verify(req).then((ok) => {
      state.checked++;
      if (!ok) {
        state.rejected.push(`${req.method} ${req.url}`);
        req.resume();
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end('<Error><Code>SignatureDoesNotMatch</Code><Message>signature mismatch</Message></Error>');
        return;
      }
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, listen, r));
  return Object.assign(state, {
    url: `http://${listen.includes(':') ? `[${listen}]` : listen}:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}

describe('s3: lean path signatures', function () {
  this.timeout(60_000);
  const s3 = useS3();
  let verifier: Verifier;
  let direct: S3FileSystem;
  let root: string;

  before(async function () {
    direct = makeFs(s3.info, { leanRequests: false });
    root = await freshBucket(s3.info, direct);
    verifier = await startVerifier(s3.info.endpoint, s3.info.credentials.secretAccessKey);
  });
  after(async () => {
    await verifier?.close();
    direct?.destroy();
  });

  const viaVerifier = (extra: Record<string, unknown> = {}): S3FileSystem =>
    makeFs(s3.info, { endpoint: verifier.url, leanRequests: true, ...extra });

  it('signs every hot operation as the SDK does, for keys and metadata of every kind', async function () {
    for (const credentials of [
      connection(s3.info).credentials!,
      { ...connection(s3.info).credentials!, sessionToken: 'FwoGZXIvYXdzEBY+token/=' },
    ]) {
      const fs = viaVerifier({ credentials, writeParams: { Metadata: { note: '  two  spaces and\ttab ' } } });
      const before = verifier.checked;
      const dir = `${root}/${randomBytes(4).toString('hex')}`;
      const names = ['plain.txt', 'a b/c+d.txt', 'ü/ñ ✓.txt', "q!'()*=&?#~.txt", 'x%2Fy.txt'];
      for (const n of names) await fs.pipeFile(`${dir}/${n}`, n);
      for (const n of names) expect(await fs.readText(`${dir}/${n}`)).to.equal(n);
      expect((await fs.info(`${dir}/a b/c+d.txt`)).size).to.equal(11);
      expect((await fs.find(dir)).sort()).to.deep.equal(names.map((n) => `${dir}/${n}`).sort());
      expect(await fs.ls(`${dir}/a b`)).to.deep.equal([`${dir}/a b/c+d.txt`]);
      const big = randomBytes(11 * 1024 * 1024);
      await fs.pipeFile(`${dir}/big.bin`, big); // multipart: UploadPart with its query
      expect(
        Buffer.from(await fs.catFile(`${dir}/big.bin`, { start: 5, end: 1005 })).equals(big.subarray(5, 1005)),
      ).to.equal(true);
      await fs.rm(`${dir}/plain.txt`);
      await fs.rm([`${dir}/a b/c+d.txt`, `${dir}/x%2Fy.txt`]); // DeleteObjects: a signed body hash
      await fs.rm(dir, { recursive: true });
      expect(await direct.exists(dir)).to.equal(false);
      expect(verifier.checked - before).to.be.greaterThan(20);
      fs.destroy();
    }
    expect(verifier.rejected).to.deep.equal([]);
  });

  it('sends and signs the Host of an IPv6 endpoint as the SDK does: bracketed, with its port', async function () {
    const v6 = await startVerifier(s3.info.endpoint, s3.info.credentials.secretAccessKey, '::1');
    try {
      const port = new URL(v6.url).port;
      const hostsOf = async (leanRequests: boolean): Promise<string[]> => {
        const fs = makeFs(s3.info, { endpoint: v6.url, leanRequests });
        const from = v6.hosts.length;
        const path = `${root}/v6-${String(leanRequests)}.txt`;
        await fs.pipeFile(path, 'over IPv6');
        expect(await fs.readText(path)).to.equal('over IPv6');
        expect((await fs.info(path)).size).to.equal(9);
        await fs.rm(path);
        fs.destroy();
        return v6.hosts.slice(from);
      };
      const sdk = await hostsOf(false);
      const lean = await hostsOf(true);
      expect(sdk.length).to.be.greaterThan(3);
      expect(new Set(sdk)).to.deep.equal(new Set([`[::1]:${port}`]));
      expect(new Set(lean)).to.deep.equal(new Set(sdk));
      expect(v6.rejected).to.deep.equal([]);
    } finally {
      await v6.close();
    }
  });

  it('is refused by the checking proxy when signed with another secret', async function () {
    const credentials = { ...connection(s3.info).credentials!, secretAccessKey: 'not-the-secret' };
    const fs = viaVerifier({ credentials, maxAttempts: 1 });
    const err = await fs.pipeFile(`${root}/refused.txt`, 'x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FsError);
    expect((err as FsError).kind).to.equal('PermissionDenied');
    expect(verifier.rejected.some((r) => r.startsWith('PUT '))).to.equal(true);
    fs.destroy();
  });
});
