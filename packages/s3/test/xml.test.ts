/**
 * The lean path's scan of ListObjectsV2 and DeleteObjects answers against a full XML parse
 * of the same documents (the SDK's own parser, @aws-sdk/xml-builder): the same keys, sizes,
 * dates, ETags, prefixes, continuation and failures, whatever the keys hold.
 */
import { parseXML } from '@aws-sdk/xml-builder';
import { expect } from 'chai';
import { scanDeleteErrors, scanListPage, unescapeXml } from '../src/xml';

type Xml = Record<string, unknown>;
const asList = <T>(v: T | T[] | undefined | ''): T[] => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]);
const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** The page as a full parse reads it. */
function parsed(text: string) {
  const xml = (parseXML(text) as Xml).ListBucketResult as Xml;
  return {
    objects: asList(xml.Contents as Xml | Xml[] | undefined).map((c) => ({
      Key: c.Key,
      Size: Number(c.Size),
      LastModified: new Date(c.LastModified as string),
      ETag: c.ETag,
      StorageClass: c.StorageClass,
    })),
    prefixes: asList(xml.CommonPrefixes as Xml | Xml[] | undefined).map((p) => p.Prefix),
    next: xml.IsTruncated === 'true' ? (xml.NextContinuationToken as string) : undefined,
  };
}

const KEYS = [
  'plain.txt',
  'dir/with space/and+plus',
  'ünïcödé/日本語/✓',
  'a&b<c>d"e\'f',
  'tab\tin key',
  'emoji 😀 key',
  'percent%20not-decoded',
  'ends with/',
  ' lead and trail ',
];

function listing(keys: string[], prefixes: string[], truncated: boolean, owner: boolean): string {
  const contents = keys
    .map(
      (k, i) =>
        `<Contents><Key>${escape(k)}</Key><LastModified>2026-11-30T03:0${i % 10}:00.000Z</LastModified>` +
        `<ETag>&quot;${i}abc&quot;</ETag><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>${i * 1000}</Size>` +
        (owner ? '<Owner><ID>abc</ID><DisplayName>me</DisplayName></Owner>' : '') +
        `<StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('\n  ');
  const common = prefixes.map((p) => `<CommonPrefixes><Prefix>${escape(p)}</Prefix></CommonPrefixes>`).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Name>bucket</Name><Prefix>dir/</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys>` +
    `<Delimiter>/</Delimiter><IsTruncated>${truncated}</IsTruncated>` +
    (truncated
      ? '<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=&amp;</NextContinuationToken>'
      : '') +
    `\n  ${contents}${common}</ListBucketResult>`
  );
}

describe('s3: scanning list and delete answers', () => {
  for (const [name, doc] of [
    ['a page of keys of every kind, truncated', listing(KEYS, [], true, false)],
    [
      'keys with owners and common prefixes, the last page',
      listing(KEYS.slice(0, 3), ['dir/a/', 'dir/&amp;/'], false, true),
    ],
    ['only common prefixes', listing([], ['p1/', 'p 2/', 'ü/'], false, false)],
    ['an empty page', listing([], [], false, false)],
    ['one key', listing(['only'], [], false, false)],
  ] as const) {
    it(`reads ${name} as a full parse does`, () => {
      const scanned = scanListPage(doc)!;
      const want = parsed(doc);
      expect(scanned.objects.map((o) => ({ ...o }))).to.deep.equal(want.objects);
      expect(scanned.prefixes).to.deep.equal(want.prefixes);
      expect(scanned.next).to.equal(want.next);
    });
  }

  it('finds the continuation token after the entries too', () => {
    const doc =
      '<ListBucketResult><Contents><Key>k</Key><Size>1</Size></Contents>' +
      '<IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken></ListBucketResult>';
    expect(scanListPage(doc)!.next).to.equal('tok');
  });

  it('refuses an answer that is not a listing', () => {
    expect(scanListPage('<Error><Code>NoSuchBucket</Code></Error>')).to.equal(undefined);
  });

  it('reads the failures of a quiet DeleteObjects answer', () => {
    const doc =
      '<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      '<Error><Key>a&amp;b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' +
      '<Error><Key>c</Key><Code>InternalError</Code><Message></Message></Error></DeleteResult>';
    expect(scanDeleteErrors(doc)).to.deep.equal([
      { Key: 'a&b', Code: 'AccessDenied', Message: 'Access Denied' },
      { Key: 'c', Code: 'InternalError' },
    ]);
    expect(scanDeleteErrors('<DeleteResult/>')).to.deep.equal([]);
  });

  it('unescapes entity and character references', () => {
    expect(unescapeXml('&lt;a&gt; &amp;amp; &quot;&apos; &#x2713;&#10;&#128512;')).to.equal('<a> &amp; "\' ✓\n😀');
  });
});
