import { expect } from 'chai';
import { rejected } from '@omnifs/testkit';
import { FsError, RetryFileSystem, TimeoutFileSystem, urlToFs } from '@omnifs/core';
import { currentSignal, resolveTimeouts, WrapperFileSystem, type HookName } from '@omnifs/core/backend';
import { privateMemory } from './helpers';

/** A call that never ends by itself: it rejects with the reason once the ambient signal aborts. */
function untilAborted<T>(onAbort: () => void): Promise<T> {
  const signal = currentSignal();
  return new Promise<T>((_resolve, reject) => {
    signal?.addEventListener(
      'abort',
      () => {
        onAbort();
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** A layer whose chosen hooks never answer; it counts the aborts that reach it. */
class HangingFileSystem extends WrapperFileSystem {
  hang = new Set<HookName>();
  aborts = 0;
  protected override call<T>(hook: HookName, fn: () => Promise<T>): Promise<T> {
    if (!this.hang.has(hook)) return fn();
    return untilAborted(() => this.aborts++);
  }
}

/** A layer whose writers' close never ends by itself; it counts the aborts that reach it. */
class HangingCloseFileSystem extends WrapperFileSystem {
  aborts = 0;
  protected override writerCall(what: 'write' | 'close', fn: () => Promise<void>): Promise<void> {
    if (what !== 'close') return fn();
    return untilAborted(() => this.aborts++);
  }
}

describe('core: timeouts', () => {
  let hanging: HangingFileSystem;
  beforeEach(async () => {
    const mem = privateMemory();
    await mem.writeText('/d/a.txt', 'alpha');
    hanging = new HangingFileSystem({ fs: mem });
  });

  describe('signal', () => {
    it('rejects an operation with Aborted as soon as its signal aborts, and aborts the work below', async () => {
      hanging.hang = new Set(['info', 'ls', 'read']);
      const controller = new AbortController();
      let abortAt = Infinity;
      setTimeout(() => {
        abortAt = Date.now();
        controller.abort();
      }, 30);
      const results = await Promise.all([
        rejected(hanging.info('/d/a.txt', { signal: controller.signal })),
        rejected(hanging.ls('/d', { signal: controller.signal })),
        rejected(hanging.exists('/d/a.txt', { signal: controller.signal })),
        rejected(hanging.cat('/d/a.txt', { signal: controller.signal })),
      ]);
      // Timed from the abort: on a loaded machine the timer that sends it runs late. The
      // operations never end by themselves; the bound leaves room for a loaded machine.
      expect(Number.isFinite(abortAt), 'the abort was sent').to.equal(true);
      expect(Date.now() - abortAt).to.be.below(1_000);
      for (const e of results) expect(e).to.be.instanceOf(FsError).with.property('kind', 'Aborted');
      expect(hanging.aborts).to.equal(4);
    });

    it('rejects at once when the signal is already aborted', async () => {
      const e = await rejected(hanging.info('/d/a.txt', { signal: AbortSignal.abort() }));
      expect(e).to.have.property('kind', 'Aborted');
    });
  });

  describe('timeout layer', () => {
    it('fails a call that takes too long with a temporary ETIMEDOUT and aborts it', async () => {
      hanging.hang = new Set(['info']);
      const fs = new TimeoutFileSystem({ fs: hanging, timeout: 50 });
      const started = Date.now();
      const e = await rejected(fs.info('/d/a.txt'));
      expect(Date.now() - started).to.be.within(45, 150);
      expect(e).to.be.instanceOf(FsError).with.property('code', 'ETIMEDOUT');
      expect(e).to.have.property('temporary', true);
      expect(hanging.aborts).to.equal(1);
      expect(await fs.readText('/d/a.txt')).to.equal('alpha');
    });

    it('is a chained-URL protocol whose timeouts the retry layer retries', async () => {
      hanging.hang = new Set(['ls']);
      const warnings: string[] = [];
      const inner = new TimeoutFileSystem({ fs: hanging, timeout: 20 });
      const fs = new RetryFileSystem({
        fs: inner,
        minDelayMs: 1,
        maxAttempts: 3,
        logger: { warn: (m) => warnings.push(m) },
      });
      const e = await rejected(fs.ls('/d'));
      expect(e).to.have.property('code', 'ETIMEDOUT');
      expect(hanging.aborts).to.equal(3);
      expect(warnings).to.have.length(2);
      expect(warnings[0]).to.match(/^omnifs: retry 1 of ls in \d+ ms after: .*took longer than 20 ms/);
      const { fs: chained } = urlToFs('timeout::memory:///d', { timeout: { timeout: 1000 } });
      expect(chained).to.be.instanceOf(TimeoutFileSystem).with.property('timeout', 1000);
    });

    it('gives a streamed read the timeout per chunk, not in all', async () => {
      const mem = privateMemory();
      const data = new Uint8Array(3 * 4 * 1024 * 1024);
      await mem.pipeFile('/big.bin', data);
      const fs = new TimeoutFileSystem({ fs: mem, timeout: 150 });
      let got = 0;
      for await (const chunk of fs.readChunks('/big.bin')) {
        got += chunk.byteLength;
        await new Promise((r) => setTimeout(r, 60)); // 180 ms in all, 60 ms per chunk
      }
      expect(got).to.equal(data.byteLength);
    });

    it("gives a writer's close the timeout, and each write, not the whole transfer", async () => {
      const mem = privateMemory();
      const hangs = new HangingCloseFileSystem({ fs: mem });
      const fs = new TimeoutFileSystem({ fs: hangs, timeout: 100 });
      const f = await fs.open('/w.bin', 'wb');
      for (let i = 0; i < 4; i++) {
        await f.write(new Uint8Array(1000));
        await new Promise((r) => setTimeout(r, 40)); // 160 ms in all, each write well within 100 ms
      }
      const started = Date.now();
      const e = await rejected(f.close());
      expect(Date.now() - started).to.be.within(90, 1_000);
      expect(e).to.be.instanceOf(FsError).with.property('code', 'ETIMEDOUT');
      expect(e.message).to.match(/a writer's close took longer than 100 ms/);
      expect(hangs.aborts).to.equal(1);
      expect(await mem.exists('/w.bin')).to.equal(false);
    });

    it('refuses a timeout that is not a positive number', () => {
      expect(() => new TimeoutFileSystem({ fs: hanging, timeout: -1 })).to.throw(
        FsError,
        /timeout must be a positive number/,
      );
    });
  });

  describe('timeout options', () => {
    it('default to values that need no tuning, and take 0 for none', () => {
      expect(resolveTimeouts({})).to.deep.equal({
        connectTimeout: 10_000,
        requestTimeout: 60_000,
        idleTimeout: 30_000,
      });
      expect(resolveTimeouts({ idleTimeout: 0 }).idleTimeout).to.equal(0);
    });

    it('refuse values that are not milliseconds', () => {
      expect(() => resolveTimeouts({ requestTimeout: '5s' as unknown as number })).to.throw(
        FsError,
        /requestTimeout must be a number of milliseconds/,
      );
      expect(() => resolveTimeouts({ idleTimeout: -5 })).to.throw(FsError, /idleTimeout/);
    });
  });
});
