// Azure Blob with omnifs. The account comes from AZURE_STORAGE_CONNECTION_STRING
// (for Azurite: `npx azurite-blob --inMemoryPersistence` and its well-known connection string).
import { filesystem } from '@omnifs/core';
import '@omnifs/azure'; // optional: filesystem('az') loads the package by itself

const az = filesystem('az');
const container = `demo-${Date.now()}`;
await az.makedirs(container);                                   // a container is a top-level directory
await az.writeText(`${container}/runs/1/notes.txt`, 'loss=0.31\n');
for (const line of ['epoch 1\n', 'epoch 2\n']) {
  const log = await az.open(`${container}/runs/1/train.log`, 'ab'); // an append blob: each close adds a block
  await log.write(line);
  await log.close();
}
const names = await az.find(container);
console.log(names.map((p) => p.slice(container.length + 1)));  // [ 'runs/1/notes.txt', 'runs/1/train.log' ]
console.log((await az.info(`${container}/runs/1/train.log`)).blobType); // AppendBlob
console.log(JSON.stringify(await az.readText(`abfs://${container}/runs/1/train.log`))); // "epoch 1\nepoch 2\n"

const url = await az.sign(`${container}/runs/1/notes.txt`, { expiresIn: 600 }); // a SAS URL (needs the account key)
console.log(await (await fetch(url)).text());                  // loss=0.31

await az.rm(`${container}/runs`, { recursive: true });          // one batch request
await az.rmdir(container);                                      // containers are removed when empty
