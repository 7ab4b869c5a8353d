/**
 * The XML of a listing, read three ways in one process: core's scan as the S3 lean path
 * uses it (`xmlBlocks`, `xmlText`), the AWS SDK's own parser (`fast-xml-parser` with the
 * options the SDK gives it) building the whole document, and the scan on an Azure List
 * Blobs page. Pages of 1,000 entries shaped as versitygw and Azurite send them (quoted
 * ETags, escaped names); microseconds per page, medians of interleaved rounds.
 *
 *   node bench/xml-scan.mjs                 500 pages per round, 7 rounds
 *   node bench/xml-scan.mjs --pages=200 --rounds=5
 */
import { createRequire } from 'node:module';
import { xmlBlocks, xmlText } from '@omnifs/core/backend';
import { median } from './lib/harness.mjs';

const arg = (name, fallback) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : Number(a.slice(name.length + 3));
};
const PAGES = arg('pages', 500);
const ROUNDS = arg('rounds', 7);
const KEYS = 1000;

const s3Page = (() => {
  let xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    '<Name>bench</Name><Prefix>seed/</Prefix><KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>';
  for (let i = 0; i < KEYS; i++)
    xml +=
      `<Contents><Key>seed/d${String(i % 100).padStart(2, '0')}/k${i} &amp; more</Key>` +
      '<LastModified>2026-12-01T20:21:15.854Z</LastModified><ETag>&quot;6541e7fd48680b9b60ec055ebfa31c02&quot;</ETag>' +
      '<Size>4096</Size><StorageClass>STANDARD</StorageClass></Contents>';
  return `${xml}<NextContinuationToken>b3Blbg==</NextContinuationToken></ListBucketResult>`;
})();

const azurePage = (() => {
  let xml =
    '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://127.0.0.1/devstoreaccount1" ContainerName="bench"><Prefix>seed/</Prefix><MaxResults>1000</MaxResults><Blobs>';
  for (let i = 0; i < KEYS; i++)
    xml +=
      `<Blob><Name>seed/d${String(i % 100).padStart(2, '0')}/k${i}</Name><Properties>` +
      '<Creation-Time>Tue, 01 Dec 2026 20:21:15 GMT</Creation-Time><Last-Modified>Tue, 01 Dec 2026 20:21:15 GMT</Last-Modified>' +
      '<Etag>0x8DD12345678ABCD</Etag><Content-Length>4096</Content-Length><Content-Type>application/octet-stream</Content-Type>' +
      '<BlobType>BlockBlob</BlobType><AccessTier>Hot</AccessTier></Properties></Blob>';
  return `${xml}</Blobs><NextMarker>2!100!bWFya2Vy</NextMarker></EnumerationResults>`;
})();

/** The entries of `page`: each `block` element's `fields` ([tag, convert]), as the lean paths read them. */
function scan(page, block, fields) {
  const out = [];
  for (const [s, e] of xmlBlocks(page, block)) {
    const entry = {};
    for (const [tag, convert] of fields) entry[tag] = convert(xmlText(page, tag, s, e) ?? '');
    out.push(entry);
  }
  return out;
}
const text = (t) => t;
const date = (t) => new Date(t);
const scanS3 = () =>
  scan(s3Page, 'Contents', [
    ['Key', text],
    ['Size', Number],
    ['LastModified', date],
    ['ETag', text],
    ['StorageClass', text],
  ]);
const scanAzure = () =>
  scan(azurePage, 'Blob', [
    ['Name', text],
    ['Content-Length', Number],
    ['Last-Modified', date],
    ['Etag', text],
    ['Content-Type', text],
  ]);

/** The same page through the parser the AWS SDK uses, set up as the SDK sets it up. */
const sdkParse = (() => {
  const { XMLParser } = createRequire(createRequire(import.meta.url).resolve('@aws-sdk/core'))('fast-xml-parser');
  const parser = new XMLParser({
    attributeNamePrefix: '',
    htmlEntities: true,
    ignoreAttributes: false,
    ignoreDeclaration: true,
    parseTagValue: false,
    trimValues: false,
    tagValueProcessor: (_, val) => (val.trim() === '' && val.includes('\n') ? '' : undefined),
  });
  return () => parser.parse(s3Page).ListBucketResult.Contents;
})();

const contenders = { 'scan, S3 page': scanS3, 'AWS SDK parser, S3 page': sdkParse, 'scan, Azure page': scanAzure };
for (const [name, fn] of Object.entries(contenders)) {
  const n = fn().length;
  if (n !== KEYS) throw new Error(`${name} read ${n} entries, expected ${KEYS}`);
  for (let i = 0; i < 100; i++) fn(); // warm-up: compiled before the timed rounds
}
const samples = {};
for (let round = 0; round < ROUNDS; round++)
  for (const [name, fn] of Object.entries(contenders)) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < PAGES; i++) fn();
    (samples[name] ??= []).push(Number(process.hrtime.bigint() - t0) / 1e3 / PAGES);
  }
const base = median(samples['scan, S3 page']);
console.log(`Pages of ${KEYS} entries, ${PAGES} pages x ${ROUNDS} rounds, Node ${process.version}`);
console.log('| reader | µs per page | µs per entry | vs the scan |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, s] of Object.entries(samples)) {
  const m = median(s);
  console.log(`| ${name} | ${m.toFixed(0)} | ${(m / KEYS).toFixed(2)} | ${(m / base).toFixed(2)}x |`);
}
