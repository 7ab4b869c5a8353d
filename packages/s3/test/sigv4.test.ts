/**
 * The lean path's signer against the SDK's own (`@smithy/signature-v4`, as the S3 client
 * configures it): the same request signed at the same instant carries the same headers.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { expect } from 'chai';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SigV4Signer } from '../src/sigv4';

/** The SHA-256 the SDK's signer takes (a keyed one is an HMAC), on node:crypto. */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | Uint8Array) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array): void {
    this.h.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.h.digest());
  }
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const withToken = { ...credentials, sessionToken: 'FwoGZXIvYXdzEBYaDH//token+/=' };

const requests = [
  { method: 'GET', path: '/bucket/key', query: {}, headers: {} },
  { method: 'HEAD', path: '/bucket/a%20b/%E2%9C%93', query: {}, headers: { 'x-amz-expected-bucket-owner': '123' } },
  {
    method: 'GET',
    path: '/bucket/',
    query: { 'list-type': '2', prefix: 'dir with space/é', delimiter: '/', 'continuation-token': 'a+b/c=' },
    headers: {},
  },
  { method: 'POST', path: '/bucket/', query: { delete: '' }, headers: { 'content-type': 'application/xml' } },
  {
    method: 'PUT',
    path: '/bucket/k',
    query: { partNumber: '3', uploadId: 'x~y!z*(1)' },
    headers: {
      'x-amz-meta-note': '  two  spaces\tand tab ',
      'cache-control': 'no-cache',
      'user-agent': 'omnifs',
      'content-length': '4096',
      'x-amz-checksum-crc32': 'AAAAAA==',
    },
  },
];

describe('s3: SigV4 signer of the lean path', () => {
  for (const creds of [credentials, withToken]) {
    for (const r of requests) {
      it(`signs ${r.method} ${r.path} ${JSON.stringify(r.query)}${'sessionToken' in creds ? ' with a session token' : ''} as the SDK does`, async () => {
        const date = new Date('2026-11-30T03:15:42.123Z');
        const headers = () => ({
          host: 'bucket.example:9000',
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          ...r.headers,
        });
        const sdk = new SignatureV4({
          credentials: creds,
          region: 'eu-west-3',
          service: 's3',
          sha256: Sha256,
          uriEscapePath: false,
          applyChecksum: false,
        });
        const want = await sdk.sign(
          {
            method: r.method,
            protocol: 'http:',
            hostname: 'bucket.example',
            port: 9000,
            path: r.path,
            query: r.query,
            headers: headers(),
          },
          { signingDate: date, signingRegion: 'eu-west-3', signingService: 's3' },
        );
        const ours = {
          method: r.method,
          path: r.path,
          query: { ...r.query },
          headers: headers() as Record<string, string>,
        };
        await new SigV4Signer('s3', () => Promise.resolve(creds)).sign(ours, 'eu-west-3', date);
        expect(ours.headers).to.deep.equal(want.headers);
      });
    }
  }

  it('uses new credentials as soon as the provider gives them', async () => {
    let current: { accessKeyId: string; secretAccessKey: string } = credentials;
    const signer = new SigV4Signer('s3', () => Promise.resolve(current));
    const date = new Date('2026-11-30T03:15:42Z');
    const sign = async () => {
      const r = {
        method: 'GET',
        path: '/b/k',
        query: {},
        headers: { host: 'h', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } as Record<string, string>,
      };
      await signer.sign(r, 'us-east-1', date);
      return r.headers.authorization!;
    };
    const first = await sign();
    current = { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other-secret' };
    const second = await sign();
    expect(second).to.include('Credential=AKIDOTHER/20261130/us-east-1/s3/aws4_request');
    expect(second.split('Signature=')[1]).to.not.equal(first.split('Signature=')[1]);
  });

  it('refuses credentials without a key pair, as the SDK does', async () => {
    const signer = new SigV4Signer('s3', () => Promise.resolve({} as never));
    const r = { method: 'GET', path: '/', query: {}, headers: { host: 'h', 'x-amz-content-sha256': 'x' } };
    let failed: unknown;
    await signer.sign(r, 'us-east-1', new Date()).catch((err: unknown) => (failed = err));
    expect(String(failed)).to.include('not valid');
  });
});
