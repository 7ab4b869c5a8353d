// HDFS as a cluster's edge node sees it: HADOOP_CONF_DIR holds the cluster's core-site.xml and
// hdfs-site.xml, which name the nameservice, its namenodes and fs.defaultFS. No address in code.
//   HADOOP_CONF_DIR=/etc/hadoop/conf node examples/hdfs-cluster.mjs hdfs://nameservice1/tmp/omnifs
import { urlToFs } from '@omnifs/core';

const url = process.argv[2] ?? 'hdfs:///tmp/omnifs-example'; // hdfs:///path: the fs.defaultFS cluster
const { fs, path } = urlToFs(url);
console.log(fs.client.bases.join(' ')); // every namenode's WebHDFS address; calls go to the active one

await fs.writeText(`${path}/run-1/metrics.json`, '{"loss":0.31}');
const log = await fs.open(`${path}/run-1/train.log`, 'ab'); // native APPEND
await log.write('epoch 1 loss=0.31\n');
await log.close();
console.log((await fs.ls(`${path}/run-1`)).map((p) => p.slice(path.length + 1))); // [ 'run-1/metrics.json', 'run-1/train.log' ]
console.log(await fs.readText(`${path}/run-1/train.log`)); // epoch 1 loss=0.31
await fs.rm(path, { recursive: true });
