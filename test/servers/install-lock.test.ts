import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, withInstallLock } from './util';

describe('servers: install lock', () => {
  it('runs concurrent installs of one server one at a time', async () => {
    const name = `lock-test-${process.pid}-${Date.now()}`;
    const events: string[] = [];
    const install = (id: string) => async (): Promise<string> => {
      events.push(`start ${id}`);
      await new Promise((r) => setTimeout(r, 50));
      events.push(`end ${id}`);
      return id;
    };
    expect(await Promise.all([withInstallLock(name, install('a')), withInstallLock(name, install('b'))])).to.deep.equal(
      ['a', 'b'],
    );
    expect(events).to.deep.equal(['start a', 'end a', 'start b', 'end b']);
    expect(existsSync(join(cacheDir('locks'), `${name}.lock`))).to.equal(false);
  });

  it('takes over a lock whose holder has died', async () => {
    const name = `lock-test-dead-${process.pid}-${Date.now()}`;
    const dead = spawn(process.execPath, ['-e', '0']);
    const pid = dead.pid!;
    await new Promise((r) => dead.on('close', r));
    const lock = join(cacheDir('locks'), `${name}.lock`);
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(pid));
    expect(await withInstallLock(name, async () => 'installed')).to.equal('installed');
  });

  it('releases the lock when the install fails', async () => {
    const name = `lock-test-fail-${process.pid}-${Date.now()}`;
    const failing = withInstallLock(name, async () => {
      throw new Error('pip said no');
    });
    await failing.then(
      () => expect.fail('resolved'),
      (err: Error) => expect(err.message).to.equal('pip said no'),
    );
    expect(existsSync(join(cacheDir('locks'), `${name}.lock`))).to.equal(false);
  });
});
