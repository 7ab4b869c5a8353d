// A backend in one page: files kept in a Map, served as `kv://` (docs/api.md, "Writing a backend").
import { FileSystem, registerImplementation, urlToFs } from '@omnifs/core';
import { errors, isUnder, parentPath } from '@omnifs/core/backend';

class KvFileSystem extends FileSystem {
  static protocols = ['kv'];
  files = new Map();

  // The required hooks: paths arrive normalised ('/notes/a.txt'); errors get their context in core.
  async _info(path) {
    const data = this.files.get(path);
    if (data !== undefined) return { name: path, size: data.byteLength, type: 'file' };
    if (path === '/' || [...this.files.keys()].some((k) => isUnder(k, path)))
      return { name: path, size: 0, type: 'directory' };
    throw errors.notFound(path);
  }

  async _ls(path) {
    if ((await this._info(path)).type === 'file') throw errors.notADirectory(path);
    const names = new Set();
    for (const key of this.files.keys()) {
      for (let k = key; k !== '/' && isUnder(k, path); k = parentPath(k)) if (parentPath(k) === path) names.add(k);
    }
    return Promise.all([...names].map((name) => this._info(name)));
  }

  async _read(path, start, end) {
    if ((await this._info(path)).type === 'directory') throw errors.isADirectory(path);
    return this.files.get(path).subarray(start, end);
  }

  async _write(path, data, mode) {
    if (mode === 'create' && this.files.has(path)) throw errors.alreadyExists(path);
    this.files.set(path, data);
  }

  async _rm(path) {
    if (!this.files.delete(path)) throw errors.notFound(path);
  }

  // An optional hook: having it makes `capabilities.copy` true, and `cp` uses it.
  async _copy(src, dst) {
    this.files.set(dst, this.files.get(src));
  }

  // The facts hooks cannot show: no directories of their own, and creates are exclusive.
  capabilityFacts() {
    return { ...super.capabilityFacts(), realDirectories: false, exclusiveCreate: true };
  }
}

registerImplementation('kv', KvFileSystem);

const { fs } = urlToFs('retry::kv:///'); // layers work on it at once
await fs.writeText('/notes/a.txt', 'hello');
await fs.cp('/notes/a.txt', '/notes/b.txt');
console.log(await fs.ls('/notes')); // [ '/notes/a.txt', '/notes/b.txt' ]
console.log(await fs.readText('/notes/b.txt')); // hello
const { copy, rename, realDirectories } = fs.capabilities;
console.log({ copy, rename, realDirectories }); // { copy: true, rename: false, realDirectories: false }
await fs.info('/notes/c.txt').catch((err) => console.log(err.message)); // kv info "/notes/c.txt": no such file or directory
