/**
 * The XML of a listing, read in one process: the S3 lean path's reader of a ListObjectsV2
 * page, the AWS SDK's own parser (`fast-xml-parser` with the options the SDK gives it)
 * building the whole document, and the Azure lean path's reader of a List Blobs page, once
 * as Azurite writes it and once with a property every entry lacks (`AccessTier`, as page
 * and append blobs list): a search that ran on past an entry's end made that page cost 60
 * times as much, and one of 5,000 entries seconds. Pages of 1,000 entries (quoted ETags,
 * escaped names); microseconds per page, medians of interleaved rounds.
 *
 *   node bench/xml-scan.mjs                 500 pages per round, 7 rounds
 *   node bench/xml-scan.mjs --pages=200 --rounds=5
 */
import { createRequire } from 'node:module';
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

/** A List Blobs page as Azurite writes it; without `AccessTier` when `tier` is false. */
const azurePage = (tier) => {
  let xml =
    '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://127.0.0.1/devstoreaccount1" ContainerName="bench"><Prefix>seed/</Prefix><MaxResults>1000</MaxResults><Blobs>';
  for (let i = 0; i < KEYS; i++)
    xml +=
      `<Blob><Name>seed/d${String(i % 100).padStart(2, '0')}/k${i}</Name><Properties>` +
      '<Creation-Time>Tue, 01 Dec 2026 20:21:15 GMT</Creation-Time><Last-Modified>Tue, 01 Dec 2026 20:21:15 GMT</Last-Modified>' +
      '<Etag>0x8DD12345678ABCD</Etag><Content-Length>4096</Content-Length><Content-Type>application/octet-stream</Content-Type>' +
      '<Content-MD5>ndTkYSaMgDT1yFZOFVxnpg==</Content-MD5><BlobType>BlockBlob</BlobType><LeaseStatus>unlocked</LeaseStatus>' +
      '<LeaseState>available</LeaseState><ServerEncrypted>true</ServerEncrypted>' +
      (tier
        ? '<AccessTier>Hot</AccessTier><AccessTierInferred>true</AccessTierInferred>' +
          '<AccessTierChangeTime>Tue, 01 Dec 2026 20:21:15 GMT</AccessTierChangeTime>'
        : '') +
      '</Properties></Blob>';
  return `${xml}</Blobs><NextMarker>2!100!bWFya2Vy</NextMarker></EnumerationResults>`;
};
const azureTiered = azurePage(true);
const azureUntiered = azurePage(false);

// The lean paths' own readers, from the built packages (not part of their public API).
const { scanListPage } = createRequire(import.meta.url)('../packages/s3/dist/xml.js');
const { scanBlobList } = createRequire(import.meta.url)('../packages/azure/dist/client.js');
const scanS3 = () => scanListPage(s3Page).page().objects;
const scanAzure = () => scanBlobList(azureTiered).page().blobs;
const scanAzureUntiered = () => scanBlobList(azureUntiered).page().blobs;

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

const contenders = {
  'scan, S3 page': scanS3,
  'AWS SDK parser, S3 page': sdkParse,
  'scan, Azure page': scanAzure,
  'scan, Azure page, no AccessTier': scanAzureUntiered,
};
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
