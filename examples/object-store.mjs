// An object-store backend: the primitives over a Map of buckets; every store rule comes from core.
import { BufferedWriter, dirInfo, errors, ObjectStoreFileSystem } from '@omnifs/core/backend';

class MapStore extends ObjectStoreFileSystem {
  static protocols = ['mapstore'];
  capabilityFacts() {
    return { ...super.capabilityFacts(), exclusiveCreate: true }; // the rest follows from the hooks
  }
  buckets = new Map(); // bucket name → Map of key → { data, mtime }

  objects(bucket) {
    const objects = this.buckets.get(bucket);
    if (objects === undefined) throw errors.notFound(bucket);
    return objects;
  }

  stored(bucket, key) {
    const object = this.objects(bucket).get(key);
    if (object === undefined) throw errors.notFound(`${bucket}/${key}`);
    return object;
  }

  // Listing and metadata: one page here; a service pages its answers.
  async *listPages(bucket, prefix, { delimiter } = {}) {
    const page = { objects: [], prefixes: [] };
    for (const key of [...this.objects(bucket).keys()].sort()) {
      if (!key.startsWith(prefix)) continue;
      const slash = delimiter ? key.indexOf('/', prefix.length) : -1;
      const common = key.slice(0, slash + 1);
      if (slash < 0) page.objects.push({ key, info: await this.objectInfo(bucket, key) });
      else if (!page.prefixes.includes(common)) page.prefixes.push(common);
    }
    yield page;
  }
  async listBuckets() {
    return [...this.buckets.keys()].map((name) => dirInfo(name));
  }
  async bucketInfo(bucket) {
    this.objects(bucket);
    return dirInfo(bucket);
  }
  async objectInfo(bucket, key) {
    const { data, mtime } = this.stored(bucket, key);
    return { name: `${bucket}/${key}`, size: data.byteLength, type: 'file', mtime };
  }
  async *readRange(bucket, key, { start, end }) {
    yield this.stored(bucket, key).data.subarray(start, end);
  }

  // Writing: one put; an upload in parts (here buffered, then one put).
  async putObject(bucket, key, data, { mode }) {
    if (mode === 'create' && this.objects(bucket).has(key)) throw errors.alreadyExists(`${bucket}/${key}`);
    this.objects(bucket).set(key, { data: new Uint8Array(data), mtime: new Date() });
  }
  openUpload(bucket, key, options) {
    return new BufferedWriter((data) => this.putObject(bucket, key, data, options));
  }

  // Deleting: one object (NotFound when missing), a batch (missing keys count as deleted).
  async deleteObject(bucket, key) {
    this.stored(bucket, key);
    this.objects(bucket).delete(key);
  }
  async deleteBatch(bucket, keys) {
    for (const key of keys) this.objects(bucket).delete(key);
    return []; // the keys the service refused, each as failedDelete(path, code, error)
  }

  // Buckets.
  async createBucket(bucket) {
    this.buckets.set(bucket, new Map());
  }
  async deleteBucket(bucket) {
    if (this.objects(bucket).size > 0) throw errors.notEmpty(bucket);
    this.buckets.delete(bucket);
  }
}

const fs = new MapStore();
await fs.makedirs('photos');
await fs.pipe({ 'photos/2024/a.jpg': 'a', 'photos/2024/b.jpg': 'bb', 'photos/notes.txt': 'hi' });
console.log(await fs.ls('photos'));                          // [ 'photos/2024', 'photos/notes.txt' ]
console.log(await fs.isDir('photos/2024'), await fs.du('photos')); // true 5
await fs.writeText('photos/notes.txt', 'again', { mode: 'create' }).catch((e) => console.log(e.kind)); // AlreadyExists
await fs.rm('photos/2024', { recursive: true });
console.log(await fs.find('photos'));                        // [ 'photos/notes.txt' ]
await fs.rmdir('photos').catch((e) => console.log(e.kind));  // NotEmpty
