/**
 * A wrapper FileSystem for tests: delegates to an inner filesystem, counts the bytes
 * written through it, and injects the faults of a remote outage on demand.
 */
import {
  FileSystem,
  FsError,
  registerImplementation,
  unregisterImplementation,
  clearInstanceCache,
  type FileInfo,
  type FileSystemClass,
  type Writer,
  type WriteMode,
} from '@omnifs/core';
import type { CapabilityFacts, WriterOptions } from '@omnifs/core/backend';

/** Switches and counters shared by a test and its wrapper. */
export class FaultControl {
  /** Every call throws a temporary error while true. */
  down = false;
  /** The next writer commits its bytes, then reports a temporary error (a lost response). */
  loseNextResponse = false;
  /** The next writer passes this many bytes through, then fails with a temporary error. */
  failNextWriterAfter: number | undefined;
  /** Called before each read; an error it returns fails that read (and the hook is dropped). */
  readFault: ((path: string, start: number, end: number | undefined) => FsError | undefined) | undefined;
  /** Awaited before each read (to change the files under a reader); returns true to be dropped. */
  beforeRead: ((path: string, start: number) => Promise<boolean>) | undefined;
  /** Delay of each writer's close, ms (to make syncs slow). */
  closeDelayMs = 0;
  /** Bytes that reached the inner filesystem through writers, per writer. */
  readonly writes: { path: string; bytes: number; append: boolean }[] = [];
  /** Calls that failed because of an injected fault. */
  injected = 0;
  /** Writers open at once, now and at most. */
  openWriters = 0;
  maxOpenWriters = 0;

  get bytesWritten(): number {
    return this.writes.reduce((s, w) => s + w.bytes, 0);
  }

  check(operation: string): void {
    if (this.down) {
      this.injected++;
      throw new FsError({
        kind: 'Unexpected',
        message: `injected outage during ${operation}`,
        temporary: true,
        code: 'ECONNRESET',
      });
    }
  }

  fault(what: string): FsError {
    this.injected++;
    return new FsError({ kind: 'Unexpected', message: `injected ${what}`, temporary: true, code: 'ECONNRESET' });
  }
}

/**
 * Registers `protocol` as a wrapper around `inner` (paths map to `<root><path>` on it).
 * Returns a function that unregisters it.
 */
export function registerFaulty(
  protocol: string,
  inner: FileSystem,
  root: string,
  control: FaultControl,
  options: { append: boolean },
): () => void {
  const toInner = (p: string): string => `${root}${p === '/' ? '' : p}`;
  const fromInner = (p: string): string => p.slice(root.length) || '/';
  const mapInfo = (i: FileInfo): FileInfo => ({ ...i, name: fromInner(i.name) });

  class FaultyFileSystem extends FileSystem {
    static override protocols: readonly string[] = [protocol];
    protected override capabilityFacts(): CapabilityFacts {
      return { ...super.capabilityFacts(), append: options.append };
    }

    protected async _info(path: string): Promise<FileInfo> {
      control.check('info');
      return mapInfo(await inner.info(toInner(path)));
    }

    protected async _ls(path: string): Promise<FileInfo[]> {
      control.check('ls');
      return (await inner.ls(toInner(path), { detail: true })).map(mapInfo);
    }

    protected async _read(path: string, start: number, end: number | undefined): Promise<Uint8Array> {
      control.check('read');
      if ((await control.beforeRead?.(path, start)) === true) control.beforeRead = undefined;
      const injected = control.readFault?.(path, start, end);
      if (injected !== undefined) {
        control.readFault = undefined;
        control.injected++;
        throw injected;
      }
      return inner.catFile(toInner(path), end === undefined ? { start } : { start, end });
    }

    protected async _write(path: string, data: Uint8Array, mode: WriteMode): Promise<void> {
      control.check('write');
      await inner.pipeFile(toInner(path), data, { mode });
      control.writes.push({ path, bytes: data.byteLength, append: false });
    }

    protected async _rm(path: string): Promise<void> {
      control.check('rm');
      await inner.rmFile(toInner(path));
    }

    protected override async _mkdir(path: string): Promise<void> {
      control.check('mkdir');
      await inner.makedirs(toInner(path), { existOk: true });
    }

    protected override async _openWriter(path: string, opts: WriterOptions): Promise<Writer> {
      control.check('open');
      const writer = await inner.openWriter(toInner(path), { mode: opts.mode, append: opts.append });
      const record = { path, bytes: 0, append: opts.append };
      let failAfter = control.failNextWriterAfter;
      control.failNextWriterAfter = undefined;
      const loseResponse = control.loseNextResponse;
      control.loseNextResponse = false;
      control.openWriters++;
      control.maxOpenWriters = Math.max(control.maxOpenWriters, control.openWriters);
      let open = true;
      const done = (): void => {
        if (open) control.openWriters--;
        open = false;
      };
      return {
        async write(chunk) {
          if (control.down) throw control.fault('outage during write');
          if (failAfter !== undefined) {
            const pass = Math.min(failAfter, chunk.byteLength);
            if (pass > 0) await writer.write(chunk.subarray(0, pass));
            record.bytes += pass;
            failAfter -= pass;
            if (failAfter === 0) {
              // The service kept what it received (as an append does), then the connection dropped.
              await writer.close();
              control.writes.push(record);
              done();
              throw control.fault('reset in the middle of a write');
            }
            return;
          }
          await writer.write(chunk);
          record.bytes += chunk.byteLength;
        },
        async close() {
          if (control.closeDelayMs > 0) await new Promise((r) => setTimeout(r, control.closeDelayMs));
          if (control.down) {
            done();
            await writer.abort();
            throw control.fault('outage at commit');
          }
          await writer.close();
          control.writes.push(record);
          done();
          if (loseResponse) throw control.fault('lost response after commit');
        },
        async abort(reason) {
          done();
          await writer.abort(reason).catch(() => undefined);
        },
      };
    }
  }
  registerImplementation(protocol, FaultyFileSystem as unknown as FileSystemClass, { clobber: true });
  clearInstanceCache();
  return () => {
    unregisterImplementation(protocol);
    clearInstanceCache();
  };
}
