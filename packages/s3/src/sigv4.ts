/**
 * AWS Signature Version 4, header form, for the lean path's requests: the same canonical
 * request, string to sign and `authorization` header as `@smithy/signature-v4` makes for
 * S3 (`uriEscapePath: false`: the path is signed as sent, already escaped; the payload hash
 * is the `x-amz-content-sha256` header's), at a fraction of its CPU: no request clone, no
 * promise per hash, and the signing key cached per credentials, day and region.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { createHmac, hash } from 'node:crypto';
import { escapeUri } from './http';

/** Headers never signed (the signer's list: hop-by-hop, or rewritten on the way). */
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** What is signed: the headers are completed in place (`x-amz-date`, the token, `authorization`). */
export interface SignedParts {
  method: string;
  /** The path as sent, already escaped. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names; `host` and `x-amz-content-sha256` included. */
  headers: Record<string, string>;
}

/** The dates of the last second signed in (requests come in bursts within one second). */
let lastDates: { second: number; dates: [string, string] } | undefined;

/** `20261130T031500Z` and `20261130`. */
function amzDates(date: Date): [string, string] {
  const second = Math.floor(date.getTime() / 1000);
  if (lastDates?.second === second) return lastDates.dates;
  const iso = date.toISOString(); // 2026-11-30T03:15:00.000Z
  const day = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
  const dates: [string, string] = [`${day}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`, day];
  lastDates = { second, dates };
  return dates;
}

/** A SigV4 signer for one service, with the credentials of a provider (called per request, as the SDK's signer does). */
export class SigV4Signer {
  private keys = new Map<string, Buffer>();
  private keysOf: AwsCredentialIdentity | undefined;
  /** The key of the last request signed (most requests share its day and region). */
  private last: { day: string; region: string; key: Buffer } | undefined;

  constructor(
    private readonly service: string,
    private readonly credentials: AwsCredentialIdentityProvider,
  ) {}

  /** Signs `req` for `region` at `date`. */
  async sign(req: SignedParts, region: string, date: Date): Promise<void> {
    const creds = await this.credentials();
    if (typeof creds?.accessKeyId !== 'string' || typeof creds.secretAccessKey !== 'string')
      throw new Error('Resolved credential object is not valid');
    const [longDate, day] = amzDates(date);
    const h = req.headers;
    h['x-amz-date'] = longDate;
    if (creds.sessionToken) h['x-amz-security-token'] = creds.sessionToken;
    const names = signedNames(h);
    let canonicalHeaders = '';
    for (const n of names) canonicalHeaders += `${n}:${canonicalValue(h[n]!)}\n`;
    const signedHeaders = names.join(';');
    const canonical = `${req.method}\n${req.path}\n${canonicalQuery(req.query)}\n${canonicalHeaders}\n${signedHeaders}\n${h['x-amz-content-sha256']}`;
    const scope = `${day}/${region}/${this.service}/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${hash('sha256', canonical, 'hex')}`;
    const signature = createHmac('sha256', this.signingKey(creds, day, region))
      .update(toSign)
      .digest('hex');
    h.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  }

  private signingKey(creds: AwsCredentialIdentity, day: string, region: string): Buffer {
    const same =
      this.keysOf !== undefined &&
      this.keysOf.accessKeyId === creds.accessKeyId &&
      this.keysOf.secretAccessKey === creds.secretAccessKey;
    if (!same || this.keys.size > 50) {
      this.keys = new Map();
      this.keysOf = creds;
    }
    const last = this.last;
    if (same && last !== undefined && last.day === day && last.region === region) return last.key;
    const at = `${day}/${region}`;
    let key = this.keys.get(at);
    if (key === undefined) {
      key = createHmac('sha256', `AWS4${creds.secretAccessKey}`).update(day).digest();
      for (const part of [region, this.service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
      this.keys.set(at, key);
    }
    this.last = { day, region, key };
    return key;
  }
}

/** The names of the headers signed, sorted (an insertion sort: a request has a handful). */
function signedNames(h: Record<string, string | undefined>): string[] {
  const names: string[] = [];
  for (const n in h) {
    if (h[n] === undefined || UNSIGNABLE.has(n) || n.startsWith('proxy-') || n.startsWith('sec-')) continue;
    let i = names.length;
    while (i > 0 && names[i - 1]! > n) {
      names[i] = names[i - 1]!;
      i--;
    }
    names[i] = n;
  }
  return names;
}

/** A header value as signed: line breaks and runs of blanks as one space, trimmed. */
function canonicalValue(v: string): string {
  return /[\r\n\t]| {2}|^ | $/.test(v)
    ? v
        .replace(/[\r\n]/g, ' ')
        .replace(/[ \t]+/g, ' ')
        .replace(/^ | $/g, '')
    : v;
}

/** The query as signed: escaped `key=value` pairs, sorted by escaped key. */
function canonicalQuery(query: Record<string, string>): string {
  const pairs: Array<[string, string]> = [];
  for (const k in query) {
    if (k.toLowerCase() === 'x-amz-signature') continue;
    const key = escapeUri(k);
    pairs.push([key, `${key}=${escapeUri(query[k]!)}`]);
  }
  if (pairs.length === 0) return '';
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.map((p) => p[1]).join('&');
}
