/**
 * The lean path's readers of S3's list and delete answers: a scan for the few elements
 * omnifs uses, instead of building the whole document (a general XML parser spends most
 * of a listing's CPU on it: about 40 µs a key). In S3's answers `<` only opens markup
 * (keys are escaped), so an element is found by its tags; text is unescaped as XML says.
 */
import type { _Object } from '@aws-sdk/client-s3';
import { xmlBlocks as blocks, xmlText as textOf, xmlTexts as textsOf, type PageAnswer } from '@omnifs/core/backend';

/** One page of ListObjectsV2. */
export interface ListPage {
  objects: _Object[];
  prefixes: string[];
}

/** A key DeleteObjects could not delete. */
export interface DeleteFailure {
  Key?: string;
  Code?: string;
  Message?: string;
}

/** The fields of a listed object omnifs reads, in the order ListObjectsV2 writes them. */
const OBJECT_FIELDS = ['Key', 'LastModified', 'ETag', 'Size', 'StorageClass'];

/**
 * A ListObjectsV2 answer: the next page's continuation token, found first (the page's own
 * fields lie outside its entries), and the page's entries, scanned when `page` is called;
 * undefined when it has no `ListBucketResult`.
 */
export function scanListPage(xml: string): PageAnswer<ListPage> | undefined {
  if (!xml.includes('<ListBucketResult')) return undefined;
  // Outside the entries: the first Contents or CommonPrefixes block ends the page's own fields.
  const head = Math.min(
    ...['<Contents>', '<CommonPrefixes>'].map((t) => xml.indexOf(t)).filter((i) => i >= 0),
    xml.length,
  );
  const tail = Math.max(xml.lastIndexOf('</Contents>'), xml.lastIndexOf('</CommonPrefixes>'), 0);
  const field = (tag: string): string | undefined => textOf(xml, tag, 0, head) ?? textOf(xml, tag, tail);
  const truncated = field('IsTruncated') === 'true';
  const token = field('NextContinuationToken');
  const next = truncated && token !== undefined && token !== '' ? token : undefined;
  return { next, page: () => scanEntries(xml) };
}

/** The objects and common prefixes of a ListObjectsV2 answer. */
function scanEntries(xml: string): ListPage {
  const objects: _Object[] = [];
  for (const [start, end] of blocks(xml, 'Contents')) {
    const o: _Object = {};
    const [key, modified, etag, size, storage] = textsOf(xml, OBJECT_FIELDS, start, end);
    if (key !== undefined) o.Key = key;
    if (size !== undefined) o.Size = Number(size);
    if (modified !== undefined) o.LastModified = new Date(modified);
    if (etag !== undefined) o.ETag = etag;
    if (storage !== undefined) o.StorageClass = storage as never;
    objects.push(o);
  }
  const prefixes: string[] = [];
  for (const [start, end] of blocks(xml, 'CommonPrefixes')) {
    const p = textOf(xml, 'Prefix', start, end);
    if (p !== undefined) prefixes.push(p);
  }
  return { objects, prefixes };
}

/** The keys a quiet DeleteObjects answer reports as failed. */
export function scanDeleteErrors(xml: string): DeleteFailure[] {
  const out: DeleteFailure[] = [];
  for (const [start, end] of blocks(xml, 'Error')) {
    const f: DeleteFailure = {};
    const key = textOf(xml, 'Key', start, end);
    if (key !== undefined && key !== '') f.Key = key;
    const code = textOf(xml, 'Code', start, end);
    if (code !== undefined && code !== '') f.Code = code;
    const message = textOf(xml, 'Message', start, end);
    if (message !== undefined && message !== '') f.Message = message;
    out.push(f);
  }
  return out;
}
