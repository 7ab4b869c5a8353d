/**
 * Deletes in batches: one `POST /batch/storage/v1` (multipart/mixed) carrying up to 100
 * `DELETE` sub-requests, the JSON API's batch endpoint; each sub-request gets its own
 * answer in the multipart response.
 */
import { randomBytes } from 'node:crypto';
import type { Storage } from '@google-cloud/storage';
import type { FailedDelete, Timeouts } from '@omnifs/core';
import { failedDelete, formQuery, smallRequest } from '@omnifs/core/backend';
import { gcsReason, mapGcsError } from './errors';
import { authHeaders, responseError } from './client';

/** Most sub-requests one batch request may carry. */
export const MAX_BATCH_DELETES = 100;

/** What a batch delete needs. */
export interface BatchContext {
  storage: Storage;
  userProject: string | undefined;
  timeouts: Timeouts;
}

/** One sub-request's answer: its number (from 1, as sent) and its HTTP status and body. */
interface Answer {
  id: number;
  status: number;
  body: string;
}

/** The answers of a multipart/mixed batch response, in order. */
function parseAnswers(contentType: string, text: string): Answer[] {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (boundary === undefined) return [];
  return text
    .split(`--${boundary}`)
    .slice(1, -1)
    .flatMap((part, i) => {
      const status = /HTTP\/1\.[01] (\d{3})/.exec(part);
      if (status === null) return [];
      const id = /content-id:\s*<response-(\d+)>/i.exec(part)?.[1];
      const afterStatus = part.slice(status.index);
      const blank = afterStatus.search(/\r?\n\r?\n/);
      const body = blank < 0 ? '' : afterStatus.slice(blank).trim();
      return [{ id: id !== undefined ? Number(id) : i + 1, status: Number(status[1]), body }];
    });
}

/**
 * Deletes up to {@link MAX_BATCH_DELETES} objects of `bucket` in one batch request.
 * Objects already gone count as deleted; returns those the service refused (and any
 * the response left unanswered).
 */
export async function deleteBatch(ctx: BatchContext, bucket: string, keys: string[]): Promise<FailedDelete[]> {
  const boundary = `omnifs-${randomBytes(12).toString('hex')}`;
  const query = ctx.userProject !== undefined ? `?${formQuery({ userProject: ctx.userProject })}` : '';
  const target = (key: string): string => `/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(key)}`;
  const parts = keys.map(
    (key, i) =>
      `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <${i + 1}>\r\n\r\n` +
      `DELETE ${target(key)}${query} HTTP/1.1\r\n\r\n\r\n`,
  );
  const url = `${ctx.storage.apiEndpoint}/batch/storage/v1`;
  const headers = { ...(await authHeaders(ctx.storage, url)), 'content-type': `multipart/mixed; boundary=${boundary}` };
  const res = await smallRequest(
    url,
    { method: 'POST', headers, body: `${parts.join('')}--${boundary}--\r\n` },
    ctx.timeouts,
  );
  if (!res.ok) throw await responseError(res);
  const answers = parseAnswers(res.headers.get('content-type') ?? '', await res.text());
  const answered = new Set(answers.map((a) => a.id));
  const failed: FailedDelete[] = [];
  for (const a of answers) {
    if ((a.status < 300 || a.status === 404) && a.id >= 1 && a.id <= keys.length) continue;
    const raw = await responseError(new Response(a.body, { status: a.status }));
    const code = gcsReason(raw) ?? `HTTP ${a.status}`;
    failed.push(failedDelete(`${bucket}/${keys[a.id - 1] ?? '?'}`, code, mapGcsError(raw)));
  }
  keys.forEach((key, i) => {
    if (answered.has(i + 1)) return;
    const raw = Object.assign(new Error('the batch response has no answer for this object'), { code: 500 });
    failed.push(failedDelete(`${bucket}/${key}`, 'unanswered', mapGcsError(raw)));
  });
  return failed;
}
