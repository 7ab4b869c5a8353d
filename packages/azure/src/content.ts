/**
 * The content type a new blob gets: the one its name's extension gives (`index.html` is
 * `text/html`, `photo.png` `image/png`), as the S3 and GCS backends give, else
 * `application/octet-stream`, which Azure gives a blob without one.
 */
import mime from 'mime';

/** The content type of a blob named `name`. */
export function contentTypeOf(name: string): string {
  return mime.getType(name) ?? 'application/octet-stream';
}
