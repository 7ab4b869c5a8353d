/** Smoke tests of the Azure Blob server (Azurite) with @azure/storage-blob, not omnifs. */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { freshRoot, useServer, type TestRoot } from './index';

describe('servers: Azure Blob (Azurite) with @azure/storage-blob', function () {
  const az = useServer('azure');
  let service: BlobServiceClient;

  before(function () {
    service = BlobServiceClient.fromConnectionString(az.info.connectionString);
  });

  async function root(): Promise<{ r: TestRoot; container: ContainerClient }> {
    const r = freshRoot(az.info.container);
    const container = service.getContainerClient(r.bucket);
    if (r.create) await container.create();
    return { r, container };
  }

  it('uploads a block blob and downloads it byte-exact, whole and ranged', async function () {
    const { r, container } = await root();
    const data = randomBytes(300_000);
    const blob = container.getBlockBlobClient(`${r.prefix}block.bin`);
    await blob.uploadData(data);
    expect((await blob.downloadToBuffer()).equals(data)).to.equal(true);
    expect((await blob.downloadToBuffer(1000, 500)).equals(data.subarray(1000, 1500))).to.equal(true);
  });

  it('commits staged blocks in the listed order', async function () {
    const { r, container } = await root();
    const blob = container.getBlockBlobClient(`${r.prefix}staged.txt`);
    const ids = ['a', 'b', 'c'].map((s) => Buffer.from(`block-${s}`).toString('base64'));
    await blob.stageBlock(ids[0]!, Buffer.from('first,'), 6);
    await blob.stageBlock(ids[1]!, Buffer.from('second,'), 7);
    await blob.stageBlock(ids[2]!, Buffer.from('third'), 5);
    await blob.commitBlockList([ids[0]!, ids[2]!, ids[1]!]);
    expect((await blob.downloadToBuffer()).toString()).to.equal('first,thirdsecond,');
  });

  it('appends blocks to an append blob', async function () {
    const { r, container } = await root();
    const blob = container.getAppendBlobClient(`${r.prefix}log.txt`);
    await blob.create();
    for (const line of ['one\n', 'two\n', 'three\n']) await blob.appendBlock(line, Buffer.byteLength(line));
    const props = await blob.getProperties();
    expect(props.blobType).to.equal('AppendBlob');
    expect(props.blobCommittedBlockCount).to.equal(3);
    expect((await blob.downloadToBuffer()).toString()).to.equal('one\ntwo\nthree\n');
  });

  it('lists blobs by hierarchy with a delimiter', async function () {
    const { r, container } = await root();
    const names = ['d/1.txt', 'd/2.txt', 'd/e/3.txt', 'f.txt'].map((n) => `${r.prefix}${n}`);
    await Promise.all(names.map((n) => container.getBlockBlobClient(n).upload(n, n.length)));
    const blobs: string[] = [];
    const prefixes: string[] = [];
    for await (const item of container.listBlobsByHierarchy('/', { prefix: `${r.prefix}d/` })) {
      if (item.kind === 'prefix') prefixes.push(item.name);
      else blobs.push(item.name);
    }
    expect(blobs.sort()).to.deep.equal([`${r.prefix}d/1.txt`, `${r.prefix}d/2.txt`]);
    expect(prefixes).to.deep.equal([`${r.prefix}d/e/`]);
    const flat: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: r.prefix })) flat.push(b.name);
    expect(flat.sort()).to.deep.equal([...names].sort());
  });
});
