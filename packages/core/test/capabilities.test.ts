/** Capabilities as one truth: derived from the hooks a backend implements and the facts it declares. */
import { expect } from 'chai';
import { FileSystem, filesystem, RetryFileSystem, type FileInfo, type WriteMode } from '@omnifs/core';
import { CAPABILITY_HOOKS, DEFAULT_CAPABILITIES, type CapabilityFacts } from '@omnifs/core/backend';
import { MemoryFileSystem } from '@omnifs/memory';

/** The required hooks and nothing else: every hook capability false. */
class Bare extends FileSystem {
  static override protocols = ['bare'];
  readonly files = new Map<string, Uint8Array>();
  protected async _info(path: string): Promise<FileInfo> {
    const data = this.files.get(path);
    if (data === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return { name: path, size: data.byteLength, type: 'file' };
  }
  protected async _ls(): Promise<FileInfo[]> {
    return [...this.files].map(([name, d]) => ({ name, size: d.byteLength, type: 'file' as const }));
  }
  protected async _read(path: string, start: number, end?: number): Promise<Uint8Array> {
    await this._info(path);
    return this.files.get(path)!.subarray(start, end);
  }
  protected async _write(path: string, data: Uint8Array, _mode: WriteMode): Promise<void> {
    this.files.set(path, data);
  }
  protected async _rm(path: string): Promise<void> {
    this.files.delete(path);
  }
}

/** With a copy hook, and declaring native append. */
class Copying extends Bare {
  copies = 0;
  protected override async _copy(src: string, dst: string): Promise<void> {
    this.copies++;
    this.files.set(dst, this.files.get(src)!);
  }
  protected override capabilityFacts(): CapabilityFacts {
    return { ...super.capabilityFacts(), append: true };
  }
}

describe('capabilities', () => {
  it('are the base defaults, every hook capability false, for a backend with the required hooks only', () => {
    expect(new Bare().capabilities).to.deep.equal(DEFAULT_CAPABILITIES);
    for (const cap of Object.keys(CAPABILITY_HOOKS)) expect(new Bare().capabilities, cap).to.have.property(cap, false);
  });

  it('show the hooks a backend implements and the facts it declares', () => {
    const caps = new Copying().capabilities;
    expect(caps).to.include({ copy: true, append: true, rename: false, sign: false, realDirectories: true });
  });

  it('are what core chooses by: a declared-off hook is not used', async () => {
    class NoCopy extends Copying {
      protected override capabilityFacts(): CapabilityFacts {
        return { ...super.capabilityFacts(), copy: false };
      }
    }
    const on = new Copying();
    const off = new NoCopy();
    for (const fs of [on, off]) {
      await fs.writeText('/a', 'x');
      await fs.cp('/a', '/b');
      expect(await fs.readText('/b')).to.equal('x');
    }
    expect([on.copies, off.copies]).to.deep.equal([1, 0]);
  });

  it('refuse a hook capability declared without its hook, and unknown names', () => {
    class Claims extends Bare {
      protected override capabilityFacts(): CapabilityFacts {
        return { sign: true };
      }
    }
    class Typo extends Bare {
      protected override capabilityFacts(): CapabilityFacts {
        return { apend: true } as CapabilityFacts;
      }
    }
    expect(() => new Claims().capabilities).to.throw(/declares sign but has no _sign hook/);
    expect(() => new Typo().capabilities).to.throw(/unknown capability "apend"/);
  });

  it('are one frozen object per filesystem', () => {
    const fs = new Copying();
    expect(fs.capabilities).to.equal(fs.capabilities);
    expect(Object.isFrozen(fs.capabilities)).to.equal(true);
  });

  it('of an object store default to prefixes, not directories', () => {
    expect(filesystem('s3' as string, { region: 'us-east-1' }).capabilities).to.include({
      realDirectories: false,
      flatListing: true,
      treeDelete: true,
    });
  });

  it('of a layer are those of the filesystem it wraps', () => {
    const inner = new MemoryFileSystem({ store: 'private' });
    const layer = new RetryFileSystem({ fs: inner });
    expect(layer.capabilities).to.equal(inner.capabilities);
    expect(layer.capabilities).to.include({ rename: true, append: true, flatListing: false });
  });
});
