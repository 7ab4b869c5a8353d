/**
 * The content type a new object gets: the one `writeParams.ContentType` names, else the
 * one its key's extension gives (`report.html` is `text/html`, `data.json` is
 * `application/json`), as s3fs gives `put` and the GCS SDK every upload; a key the table
 * does not know gets `application/octet-stream`, as the SDK sends for bytes.
 */
import mime from 'mime';
import type { S3WriteParams } from './options';

/** `params` with the content type of `key` added, unless it names one. */
export function withContentType(params: S3WriteParams, key: string): S3WriteParams {
  if (params.ContentType !== undefined) return params;
  return { ...params, ContentType: mime.getType(key) ?? 'application/octet-stream' };
}
