/** Shared set-up of the S3 suites: the harness's S3 server, a fresh bucket per test, request counting. */
import { CreateBucketCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { useServerStore, type ServerStore, type UseStoreOptions } from '@omnifs/testkit';
import { subscribe } from 'node:diagnostics_channel';
import { freshRoot, useServer, type S3Info } from '../../../test/servers/index';
import { S3FileSystem, type S3Options } from '@omnifs/s3';

/** The S3 server of this suite, started (once per run) by the harness. */
export function useS3(): { readonly info: S3Info } {
  return useServer('s3');
}

/** Connection options of the harness's server. */
export function connection(info: S3Info): S3Options {
  const { endpoint, region, credentials, forcePathStyle } = info;
  return { endpoint, region, credentials: { ...credentials }, forcePathStyle };
}

/**
 * Whether the suites' filesystems take the lean request path: `OMNIFS_S3_LEAN_REQUESTS=false`
 * runs every S3 suite through the SDK instead (the default is the filesystem's own).
 */
export function leanFromEnv(): S3Options {
  const v = process.env.OMNIFS_S3_LEAN_REQUESTS;
  return v === undefined ? {} : { leanRequests: v !== 'false' && v !== '0' };
}

/** A new filesystem on the server (never cached), with extra options. */
export function makeFs(info: S3Info, extra: S3Options = {}): S3FileSystem {
  return new S3FileSystem({ ...connection(info), skipInstanceCache: true, ...leanFromEnv(), ...extra });
}

/** A fresh bucket (created) or, on an external server, the given bucket and a fresh prefix: `bucket[/prefix]`. */
export async function freshBucket(info: S3Info, fs: S3FileSystem): Promise<string> {
  const root = freshRoot(info.bucket);
  if (root.create) await fs.client.send(new CreateBucketCommand({ Bucket: root.bucket }));
  return `${root.bucket}${root.prefix === '' ? '' : `/${root.prefix.replace(/\/$/, '')}`}`;
}

/** Counts the commands an S3Client sends, by name (`PutObjectCommand`, ...). */
export function countCommands(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  const stack = client.middlewareStack as unknown as {
    add(mw: unknown, options: { step: string; name: string }): void;
  };
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const name = context.commandName ?? '?';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: `omnifsCounter${Math.random()}` },
  );
  // Requests of the lean path, announced under the same command names.
  subscribe('omnifs:s3:lean-request', (message) => {
    const { client: from, command } = message as { client: unknown; command: string };
    if (from === client) counts.set(command, (counts.get(command) ?? 0) + 1);
  });
  return counts;
}

/** Multipart uploads in progress in a bucket (under a prefix). */
export async function openUploads(client: S3Client, path: string): Promise<string[]> {
  const [bucket, ...rest] = path.split('/');
  const prefix = rest.length > 0 ? `${rest.join('/')}/` : undefined;
  const res = await client.send(
    new ListMultipartUploadsCommand({ Bucket: bucket!, ...(prefix ? { Prefix: prefix } : {}) }),
  );
  return (res.Uploads ?? []).map((u) => u.Key ?? '');
}

/** Random bytes, in an async iterable of irregular chunks, of a length the consumer cannot know. */
export async function* irregularChunks(data: Uint8Array): AsyncGenerator<Uint8Array> {
  let i = 0;
  let n = 1;
  while (i < data.byteLength) {
    n = ((n * 7919 + 104729) % (3 * 1024 * 1024)) + 1;
    yield data.subarray(i, i + n);
    i += n;
  }
}

/** The harness's server, a filesystem on it with `extra`, and a fresh bucket per test (one per suite with `once`). */
export function useBucket(extra: S3Options = {}, options?: UseStoreOptions): ServerStore<S3FileSystem, S3Info> {
  return useServerStore(useS3(), (info) => makeFs(info, extra), freshBucket, options);
}
