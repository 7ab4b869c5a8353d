/**
 * The JSON API calls omnifs sends itself on the hot metadata paths: an object's or a
 * bucket's metadata (`objects.get`, `buckets.get`), a page of a listing (`objects.list`)
 * and the delete of one object (`objects.delete`). Each is authorized by the
 * SDK's auth client, sent over core's keep-alive pool and retried as the Storage client
 * retries it (its `retryOptions`), at a fraction of the SDK's CPU per call; failures are
 * raised as the SDK raises them (`code` = HTTP status), for the caller's mapping. Unlike
 * the SDK's calls, they stop when the operation's signal aborts. Server-side copies
 * (`objects.rewrite`) are sent here too, so that an abort stops them between calls.
 */
import { IdempotencyStrategy, type BucketMetadata, type FileMetadata, type Storage } from '@google-cloud/storage';
import type { Timeouts } from '@omnifs/core';
import { abortError, backoffDelay, currentSignal, formQuery, smallAnswer } from '@omnifs/core/backend';
import { isUnauthenticated } from './options';

/** What every call needs. */
export interface ApiContext {
  storage: Storage;
  userProject: string | undefined;
  timeouts: Timeouts;
}

/** One page of `objects.list`, as the service answers it. */
export interface ObjectListPage {
  items?: FileMetadata[];
  prefixes?: string[];
  nextPageToken?: string;
}

/** The query of one `objects.list` call. */
export interface ListQuery {
  prefix: string;
  delimiter?: string | undefined;
  pageToken?: string | undefined;
  maxResults?: number | undefined;
  fields?: string | undefined;
}

/**
 * How many times the Storage client would retry a call: reads (and conditional writes
 * under `RetryConditional`) up to `maxRetries` (default 3) unless `autoRetry` is off;
 * writes without a precondition only under `RetryAlways`; nothing under `RetryNever` but
 * reads.
 */
export function retriesFor(storage: Storage, call: 'read' | 'conditional write' | 'write'): number {
  const { autoRetry, maxRetries, idempotencyStrategy } = storage.retryOptions;
  if (autoRetry === false) return 0;
  if (call !== 'read' && idempotencyStrategy === IdempotencyStrategy.RetryNever) return 0;
  if (call === 'write' && idempotencyStrategy !== IdempotencyStrategy.RetryAlways) return 0;
  return maxRetries ?? 3;
}

/**
 * Runs `attempt` until it succeeds, it fails with what `retryableErrorFn` does not retry,
 * `retries` are spent, or the next wait would pass `totalTimeout`; waits back off
 * exponentially from a second up to `maxRetryDelay`, as the Storage client's do.
 */
export async function withRetries<T>(storage: Storage, retries: number, attempt: () => Promise<T>): Promise<T> {
  const { retryableErrorFn, maxRetryDelay = 64, totalTimeout = 600 } = storage.retryOptions;
  const deadline = Date.now() + totalTimeout * 1000;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const retryable = retryableErrorFn?.(err as never) ?? false;
      const delay = backoffDelay(n + 1, { minDelayMs: 1000, maxDelayMs: maxRetryDelay * 1000 });
      if (n >= retries || !retryable || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The auth client's headers for `url`, none where requests carry no credentials. */
export async function authHeaders(storage: Storage, url: string): Promise<Record<string, string>> {
  if (isUnauthenticated(storage)) return {};
  return (await storage.authClient.getRequestHeaders(url)) as Record<string, string>;
}

/** An error shaped as the SDK's ApiError (`code` = HTTP status), from a failed response. */
export async function responseError(res: Response): Promise<Error> {
  return answerError(res.status, await res.text().catch(() => ''), res.statusText);
}

/** An error shaped as the SDK's ApiError (`code` = HTTP status), from a failed answer's status and body. */
export function answerError(status: number, text: string, statusText = ''): Error {
  let message = text.trim() || statusText || `HTTP ${status}`;
  let reasons: Array<{ reason?: string }> = [];
  try {
    const body = JSON.parse(text) as { error?: { message?: string; errors?: Array<{ reason?: string }> } };
    message = body.error?.message ?? message;
    reasons = body.error?.errors ?? [];
  } catch {
    // XML or plain text: the message is the body
  }
  return Object.assign(new Error(message), { code: status, errors: reasons });
}

/** The JSON API URL of `path` (below `/storage/v1`) with `query` and the billing project. */
function apiUrl(ctx: ApiContext, path: string, query: Record<string, string | undefined>): string {
  const q = formQuery({ ...query, userProject: ctx.userProject });
  const search = q !== '' ? `?${q}` : '';
  return `${ctx.storage.apiEndpoint}/storage/v1${path}${search}`;
}

/** A GET of the JSON API answered with JSON, retried as a read. */
async function getJson<T>(ctx: ApiContext, url: string, signal?: AbortSignal): Promise<T> {
  return withRetries(ctx.storage, retriesFor(ctx.storage, 'read'), async () => {
    const headers = await authHeaders(ctx.storage, url);
    const res = await smallAnswer(url, signal === undefined ? { headers } : { headers, signal }, ctx.timeouts);
    const text = res.data.toString('utf8');
    if (res.status < 200 || res.status > 299) throw answerError(res.status, text);
    return JSON.parse(text) as T;
  });
}

/** The metadata of a bucket (`buckets.get`). */
export function bucketMetadata(ctx: ApiContext, bucket: string): Promise<BucketMetadata> {
  return getJson<BucketMetadata>(ctx, apiUrl(ctx, `/b/${encodeURIComponent(bucket)}`, {}));
}

/** The JSON API path of an object. */
function objectPath(bucket: string, key: string): string {
  return `/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(key)}`;
}

/** The metadata of an object (`objects.get`), every field, as the SDK's `getMetadata` gives it. */
export function objectMetadata(ctx: ApiContext, bucket: string, key: string): Promise<FileMetadata> {
  return getJson<FileMetadata>(ctx, apiUrl(ctx, objectPath(bucket, key), {}));
}

/**
 * Deletes an object (`objects.delete`); with `generation`, only while the object has it
 * (`ifGenerationMatch`). Retried as the SDK retries a delete: with a generation as a
 * conditional write, without one only under `RetryAlways`.
 */
export async function deleteObject(ctx: ApiContext, bucket: string, key: string, generation?: string): Promise<void> {
  const url = apiUrl(ctx, objectPath(bucket, key), { ifGenerationMatch: generation });
  const retries = retriesFor(ctx.storage, generation === undefined ? 'write' : 'conditional write');
  await withRetries(ctx.storage, retries, async () => {
    const headers = await authHeaders(ctx.storage, url);
    const res = await smallAnswer(url, { method: 'DELETE', headers }, ctx.timeouts);
    if (res.status < 200 || res.status > 299) throw answerError(res.status, res.data.toString('utf8'));
  });
}

/** One page of the objects of `bucket` (`objects.list`); `signal` aborts it. */
export function listObjectsPage(
  ctx: ApiContext,
  bucket: string,
  query: ListQuery,
  signal?: AbortSignal,
): Promise<ObjectListPage> {
  const url = apiUrl(ctx, `/b/${encodeURIComponent(bucket)}/o`, {
    prefix: query.prefix === '' ? undefined : query.prefix,
    delimiter: query.delimiter,
    pageToken: query.pageToken,
    maxResults: query.maxResults === undefined ? undefined : String(query.maxResults),
    fields: query.fields,
  });
  return getJson<ObjectListPage>(ctx, url, signal);
}

/** One page of `buckets.list`, as the service answers it. */
export interface BucketListPage {
  items?: BucketMetadata[];
  nextPageToken?: string;
}

/** One page of the project's buckets (`buckets.list`): their names and creation times. */
export async function listBucketsPage(ctx: ApiContext, pageToken: string | undefined): Promise<BucketListPage> {
  const project = await ctx.storage.getProjectId();
  const fields = 'items(name,timeCreated),nextPageToken';
  return getJson<BucketListPage>(ctx, apiUrl(ctx, '/b', { project, pageToken, fields }));
}

/** An object of a bucket, at `generation` where given. */
export interface ObjectRef {
  bucket: string;
  key: string;
  generation?: string | undefined;
}

/** What one `objects.rewrite` call answers. */
interface RewriteAnswer {
  done?: boolean;
  rewriteToken?: string;
}

/**
 * Copies `from` to `to` server-side (`objects.rewrite`), call after call with the service's
 * rewrite token until it answers `done`; with `ifGenerationMatch`, only while `to` has
 * that generation. Retried as the SDK retries a copy: with the precondition as a
 * conditional write, without it only under `RetryAlways`.
 *
 * Behaviour on abort: a call sent when the operation's signal aborts is given core's grace
 * for its answer (see `smallAnswer`): a copy the service finished in that call resolves;
 * one it did not finish stops there, and no further call is sent (a rewrite never done
 * creates nothing); with no answer in time, `Aborted` says the service may have done it.
 */
export async function rewriteObject(
  ctx: ApiContext,
  from: ObjectRef,
  to: ObjectRef,
  ifGenerationMatch?: string,
): Promise<void> {
  const path = `${objectPath(from.bucket, from.key)}/rewriteTo${objectPath(to.bucket, to.key)}`;
  const retries = retriesFor(ctx.storage, ifGenerationMatch === undefined ? 'write' : 'conditional write');
  let rewriteToken: string | undefined;
  for (;;) {
    const url = apiUrl(ctx, path, { sourceGeneration: from.generation, ifGenerationMatch, rewriteToken });
    const answer = await withRetries(ctx.storage, retries, async () => {
      const headers = await authHeaders(ctx.storage, url);
      const res = await smallAnswer(url, { method: 'POST', headers }, ctx.timeouts);
      const text = res.data.toString('utf8');
      if (res.status < 200 || res.status > 299) throw answerError(res.status, text);
      return JSON.parse(text) as RewriteAnswer;
    });
    if (answer.done === true) return;
    if (typeof answer.rewriteToken !== 'string' || answer.rewriteToken === '') {
      throw new Error(`objects.rewrite answered neither done nor a rewrite token: ${JSON.stringify(answer)}`);
    }
    rewriteToken = answer.rewriteToken;
    const signal = currentSignal();
    if (signal?.aborted) throw abortError(signal);
  }
}
