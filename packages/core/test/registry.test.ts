import { expect } from 'chai';
import { fsError } from './helpers';
import { inspect } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  filesystem,
  registerImplementation,
  unregisterImplementation,
  availableProtocols,
  clearInstanceCache,
  FileSystem,
  type FileInfo,
  type FileSystemClass,
} from '@omnifs/core';
import { defineOptions, optionsFromEnv, registerKnownImplementation } from '@omnifs/core/backend';
import '@omnifs/memory';

/** A tiny backend that only records its options. */
class OptionsFileSystem extends FileSystem {
  static override protocols = ['optfs'];
  protected async _info(path: string): Promise<FileInfo> {
    return { name: path, size: 0, type: 'directory' };
  }
  protected async _ls(): Promise<FileInfo[]> {
    return [];
  }
  protected async _read(): Promise<Uint8Array> {
    return new Uint8Array(0);
  }
  protected async _write(): Promise<void> {}
  protected async _rm(): Promise<void> {}
}
const OptFs = OptionsFileSystem as unknown as FileSystemClass;

describe('core: registry', () => {
  before(() => registerImplementation('optfs', OptFs, { clobber: true }));
  after(() => unregisterImplementation('optfs'));
  afterEach(() => {
    clearInstanceCache();
    delete process.env.OMNIFS_OPTFS_ENDPOINT;
    delete process.env.OMNIFS_OPTFS_PART_SIZE;
  });

  it('returns the same instance for equal protocol and options', () => {
    expect(filesystem('optfs', { a: 1, b: { c: 2 } })).to.equal(filesystem('optfs', { b: { c: 2 }, a: 1 }));
  });

  it('builds a new instance with skipInstanceCache or different options', () => {
    const a = filesystem('optfs', { a: 1 });
    expect(filesystem('optfs', { a: 1, skipInstanceCache: true })).to.not.equal(a);
    expect(filesystem('optfs', { a: 2 })).to.not.equal(a);
  });

  it('makes an instance anew once a variable the class reads when made has changed', () => {
    class EnvFileSystem extends OptionsFileSystem {
      static override protocols = ['envfs'];
      static override environment = ['OMNIFS_TEST_EMULATOR_HOST'];
    }
    registerImplementation('envfs', EnvFileSystem as unknown as FileSystemClass, { clobber: true });
    try {
      delete process.env.OMNIFS_TEST_EMULATOR_HOST;
      const before = filesystem('envfs');
      expect(filesystem('envfs')).to.equal(before);
      process.env.OMNIFS_TEST_EMULATOR_HOST = '127.0.0.1:4443';
      const after = filesystem('envfs');
      expect(after).to.not.equal(before);
      expect(filesystem('envfs')).to.equal(after);
    } finally {
      delete process.env.OMNIFS_TEST_EMULATOR_HOST;
      unregisterImplementation('envfs');
    }
  });

  it('forgets instances on clearInstanceCache()', () => {
    const a = filesystem('optfs');
    clearInstanceCache();
    expect(filesystem('optfs')).to.not.equal(a);
  });

  it('reads OMNIFS_<PROTOCOL>_<OPTION> variables, explicit options winning', () => {
    process.env.OMNIFS_OPTFS_ENDPOINT = 'http://127.0.0.1:9';
    process.env.OMNIFS_OPTFS_PART_SIZE = '1024';
    expect(filesystem('optfs').storageOptions).to.deep.equal({ endpoint: 'http://127.0.0.1:9', partSize: 1024 });
    expect(filesystem('optfs', { endpoint: 'http://other' }).storageOptions.endpoint).to.equal('http://other');
    expect(optionsFromEnv('s3', { OMNIFS_S3_FORCE_PATH_STYLE: 'true' })).to.deep.equal({ forcePathStyle: true });
  });

  it('is case-insensitive in protocol names', () => {
    expect(filesystem('MEMORY')).to.equal(filesystem('memory'));
  });

  it('fails for an unknown protocol with Unsupported, listing the known ones', () => {
    const e = fsError(() => filesystem('nosuchproto'));
    expect(e.kind).to.equal('Unsupported');
    expect(e.code).to.equal('ENOTSUP');
    expect(e.message).to.include('memory').and.include('s3');
  });

  it('names the package to install for a known protocol whose package is missing', () => {
    registerKnownImplementation('absentfs', { pkg: '@omnifs/absent-backend', exportName: 'AbsentFileSystem' });
    const e = fsError(() => filesystem('absentfs'));
    expect(e.kind).to.equal('Unsupported');
    expect(e.message).to.equal(
      'protocol "absentfs" needs the package @omnifs/absent-backend: npm install @omnifs/absent-backend' +
        " (in a bundle, also import '@omnifs/absent-backend' in the app)",
    );
  });

  it("says which module is missing when the protocol's package is there but its dependency is not", () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnifs-broken-'));
    const fakePackage = (name: string, main: string): void => {
      const at = join(dir, 'node_modules', ...name.split('/'));
      mkdirSync(at, { recursive: true });
      writeFileSync(join(at, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
      writeFileSync(join(at, 'index.js'), main);
    };
    fakePackage('@omnifs/broken-backend', "require('@omnifs-test/missing-sdk');");
    // Yarn PnP says it its own way, naming the package that asked for the module.
    fakePackage(
      '@omnifs/pnp-backend',
      "throw Object.assign(new Error(\"@omnifs/pnp-backend tried to access @x/sdk, but it isn't declared in its dependencies\"), { code: 'MODULE_NOT_FOUND' });",
    );
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      registerKnownImplementation('brokenfs', { pkg: '@omnifs/broken-backend', exportName: 'BrokenFileSystem' });
      const e = fsError(() => filesystem('brokenfs'));
      expect(e.kind).to.equal('Unexpected');
      expect(e.message).to.equal(
        'protocol "brokenfs": @omnifs/broken-backend is installed but does not load ' +
          "(Cannot find module '@omnifs-test/missing-sdk'): reinstall it",
      );
      registerKnownImplementation('pnpfs', { pkg: '@omnifs/pnp-backend', exportName: 'PnpFileSystem' });
      expect(fsError(() => filesystem('pnpfs')).message).to.include(
        '@omnifs/pnp-backend is installed but does not load',
      );
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad protocol names and options with InvalidArgument', () => {
    expect(fsError(() => filesystem('')).kind).to.equal('InvalidArgument');
    expect(fsError(() => filesystem(42 as unknown as string)).kind).to.equal('InvalidArgument');
    expect(fsError(() => filesystem('bad proto')).kind).to.equal('InvalidArgument');
    expect(fsError(() => filesystem('memory', 'x' as unknown as Record<string, unknown>)).kind).to.equal(
      'InvalidArgument',
    );
  });

  it('refuses to replace a registration without clobber', () => {
    class Other extends OptionsFileSystem {}
    const e = fsError(() => registerImplementation('optfs', Other as unknown as FileSystemClass));
    expect(e.kind).to.equal('AlreadyExists');
    registerImplementation('optfs', Other as unknown as FileSystemClass, { clobber: true });
    expect(filesystem('optfs')).to.be.instanceOf(Other);
    registerImplementation('optfs', OptFs, { clobber: true });
  });

  it('lists known, layer and registered protocols', () => {
    expect(availableProtocols()).to.include.members([
      'file',
      'memory',
      's3',
      'gs',
      'az',
      'hdfs',
      'dir',
      'simplecache',
      'retry',
      'optfs',
    ]);
  });

  it('never shows secret options in JSON, toString or inspect', () => {
    const fs = filesystem('optfs', {
      secretAccessKey: 'SUPERSECRET1',
      credentials: { accessKeyId: 'AKIDX', password: 'pw-SECRET2' },
      region: 'eu',
      useAuthWithCustomEndpoint: true,
      tokenTtlSeconds: 30,
    });
    for (const text of [JSON.stringify(fs), String(fs), inspect(fs, { depth: 5 })]) {
      expect(text).to.not.include('SUPERSECRET1');
      expect(text).to.not.include('pw-SECRET2');
    }
    // Flags and numbers hold no secret, whatever their names.
    expect(JSON.stringify(fs))
      .to.include('"region":"eu"')
      .and.include('"useAuthWithCustomEndpoint":true')
      .and.include('"tokenTtlSeconds":30');
  });

  it('never shows options the schema marks secret, nor a password in a URL', () => {
    class GatewayFs extends OptionsFileSystem {
      static override protocols = ['gatewayfs'];
      static override optionSchema = defineOptions<{ url?: string; headers?: Record<string, string> }>({
        url: 'string',
        headers: { type: 'object', secret: true },
      });
    }
    registerImplementation('gatewayfs', GatewayFs as unknown as FileSystemClass, { clobber: true });
    try {
      const fs = filesystem('gatewayfs', {
        url: 'http://knox:PASSWORD-1@gateway:8443/base?user.name=me',
        headers: { 'x-api-key': 'APIKEY-2' },
      });
      for (const text of [JSON.stringify(fs), String(fs), inspect(fs, { depth: 5 })]) {
        expect(text).to.not.include('PASSWORD-1');
        expect(text).to.not.include('APIKEY-2');
      }
      expect(fs.toJSON().options).to.deep.equal({
        url: 'http://***@gateway:8443/base?user.name=me',
        headers: { 'x-api-key': '***' },
      });
    } finally {
      unregisterImplementation('gatewayfs');
    }
  });
});
