/**
 * Blob batch requests of the lean path: up to 256 Delete Blob sub-requests in one
 * `multipart/mixed` body (each signed on its own, as the service wants), and the reading
 * of the `multipart/mixed` answer, one status per sub-request.
 */
import { xmlText } from '@omnifs/core/backend';

/** One sub-request's answer. */
export interface BatchAnswer {
  status: number;
  /** The service's code (`x-ms-error-code`, else the body's `Code`), if it gave one. */
  code: string | undefined;
  /** The first line of the service's message, if it gave one. */
  message: string | undefined;
}

/** One sub-request: its method, path (escaped, query included) and headers. */
export interface SubRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string>>;
}

const CRLF = '\r\n';

/** The body of a batch of `requests`, parts separated by `boundary`. */
export function batchBody(boundary: string, requests: readonly SubRequest[]): string {
  let body = '';
  requests.forEach((r, i) => {
    body += `--${boundary}${CRLF}Content-Type: application/http${CRLF}Content-Transfer-Encoding: binary${CRLF}`;
    body += `Content-ID: ${i}${CRLF}${CRLF}${r.method} ${r.path} HTTP/1.1${CRLF}`;
    for (const [name, value] of Object.entries(r.headers)) body += `${name}: ${value}${CRLF}`;
    body += CRLF;
  });
  return `${body}--${boundary}--${CRLF}`;
}

/**
 * The answers of a batch, by sub-request (the `Content-ID` each part names, else its
 * place). Fails when the answer is not the multipart body of `count` sub-requests.
 */
export function readBatchAnswer(contentType: string | undefined, text: string, count: number): BatchAnswer[] {
  const boundary = /boundary=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2];
  if (boundary === undefined) throw new Error(`a batch answer without a multipart boundary (${contentType ?? 'none'})`);
  const out: Array<BatchAnswer | undefined> = new Array<BatchAnswer | undefined>(count);
  const parts = text.split(`--${boundary}`).slice(1);
  let place = 0;
  for (const part of parts) {
    if (part.startsWith('--')) break; // the closing delimiter
    const [partHead = '', ...rest] = part.split(/\r?\n\r?\n/);
    const id = /^content-id:\s*(\d+)\s*$/im.exec(partHead)?.[1];
    const answer = rest.join('\n\n');
    const statusLine = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?/.exec(answer.trimStart());
    if (statusLine === null) throw new Error('a batch answer part without a status line');
    const status = Number(statusLine[1]);
    const [head = '', ...bodyParts] = answer.trimStart().split(/\r?\n\r?\n/);
    const body = bodyParts.join('\n\n');
    const code = /^x-ms-error-code:\s*(\S+)\s*$/im.exec(head)?.[1] ?? xmlText(body, 'Code');
    const message = xmlText(body, 'Message')?.split('\n')[0]?.trim() || undefined;
    const index = id !== undefined ? Number(id) : place;
    if (index >= 0 && index < count) out[index] = { status, code, message };
    place++;
  }
  const missing = out.findIndex((a) => a === undefined);
  if (out.length !== count || missing >= 0)
    throw new Error(`a batch answer without the answer of sub-request ${missing < 0 ? out.length : missing}`);
  return out as BatchAnswer[];
}
