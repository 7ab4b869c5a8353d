/**
 * Reads pinned to one version by an ETag (`If-Match`), checked on the answer too: a store
 * that ignores `If-Match` (some S3-compatible services and proxies do) answers a pinned
 * read of a replaced object with the new object's bytes and its ETag, and a read in
 * ranges would join two versions without a word. The answer's ETag tells it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { FsError } from './errors';

/** An ETag as compared here: without the weak prefix and the quotes. */
function bare(etag: string): string {
  const strong = etag.startsWith('W/') ? etag.slice(2) : etag;
  return strong.length >= 2 && strong.startsWith('"') && strong.endsWith('"') ? strong.slice(1, -1) : strong;
}

/** True when two ETags name the same version, however each is quoted. */
export function sameEtag(a: string, b: string): boolean {
  return bare(a) === bare(b);
}

/**
 * Throws `ConditionNotMatch` when a read pinned to `pinned` was answered with another
 * version (`answered`, the answer's ETag): the store ignored `If-Match`. `release` (the
 * answer's body left unread) is called first. Nothing to check when either is unknown.
 */
export function checkPinnedAnswer(answered: unknown, pinned: string | undefined, release?: () => void): void {
  if (pinned === undefined || typeof answered !== 'string' || answered === '' || sameEtag(answered, pinned)) return;
  release?.();
  throw new FsError({
    kind: 'ConditionNotMatch',
    message: `the object changed while it was read: asked for version ${pinned}, the store answered ${answered} (it ignored If-Match)`,
  });
}

/** {@link checkPinnedAnswer} of an answer's `etag` header, its streamed body released when it fails. */
export function checkPinnedHeaders(
  answer: { headers: IncomingHttpHeaders; body?: { destroy(): void } | undefined },
  pinned: string | undefined,
): void {
  checkPinnedAnswer(answer.headers.etag, pinned, () => answer.body?.destroy());
}
