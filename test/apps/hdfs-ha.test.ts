/**
 * An app on an HA HDFS cluster, set up as on a cluster's edge node: the packed packages
 * installed outside the workspace, only `HADOOP_CONF_DIR` (core-site.xml and
 * hdfs-site.xml naming the nameservice and its two namenodes) and `HADOOP_USER_NAME` in
 * the environment, `hdfs://NAMESERVICE/...` and `hdfs:///...` URLs, filesystems made at
 * import time. The namenodes fail over while the app runs.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshName, useHdfsHa } from '../servers/index';
import { type App, makeApp } from './app';

const REPO_ROOT = join(__dirname, '..', '..');

/**
 * Writes and reads through `hdfs://NS/...` and `hdfs:///...` (fs.defaultFS), then waits for
 * the file `continue` (the test fails the namenodes over meanwhile), then reads, writes,
 * lists and removes with the same instances. Prints each phase's outcome as JSON lines.
 */
const APP = `import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { urlToFs } from '@omnifs/core';
const [nameservice, dir] = process.argv.slice(2);
const named = urlToFs(\`hdfs://\${nameservice}\${dir}/a.txt\`);
const byDefault = urlToFs(\`hdfs://\${dir}/b.txt\`); // hdfs:///dir/b.txt: the cluster of fs.defaultFS
try {
  await named.fs.writeText(named.path, 'named');
  await byDefault.fs.writeText(byDefault.path, 'default');
  const before = [await named.fs.readText(named.path), await byDefault.fs.readText(byDefault.path)];
  writeFileSync('phase1', JSON.stringify(before));
  while (!existsSync('continue')) await sleep(50);
  await named.fs.writeText(\`\${dir}/c.txt\`, 'after');
  const after = [await byDefault.fs.readText(named.path), await named.fs.readText(\`\${dir}/c.txt\`)];
  const names = (await named.fs.ls(dir)).map((p) => p.slice(dir.length + 1)).sort();
  await named.fs.rm(dir, { recursive: true });
  console.log(JSON.stringify({ after, names, gone: !(await named.fs.exists(dir)) }));
} catch (err) {
  console.log(JSON.stringify({ error: String(err.message), code: err.code }));
}
`;

/**
 * A job that keeps its log on the HA cluster with one URL: two epochs synced, a pause while
 * the namenodes fail over (until the file `continue`), two more, `close()`; then the log
 * and metrics as the cluster has them.
 */
const JOB = `import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { urlToFs } from '@omnifs/core';
import { createLogSync } from '@omnifs/logsync';
const [nameservice, dir] = process.argv.slice(2);
const log = await createLogSync({ logDir: \`hdfs://\${nameservice}\${dir}\`, experiment: 'run-1', syncIntervalMs: 0 });
const epoch = async (n) => {
  log.info(\`epoch \${n}\`);
  await log.epochEnd(n, { loss: 1 / n }, { wait: true });
};
await epoch(1);
await epoch(2);
writeFileSync('phase1', '[]');
while (!existsSync('continue')) await sleep(50);
await epoch(3);
await epoch(4);
await log.close();
const { fs, path } = urlToFs(\`hdfs://\${nameservice}\${dir}/run-1\`);
const lines = (await fs.readText(\`\${path}/training.log\`)).trim().split('\\n');
const metrics = (await fs.readText(\`\${path}/metrics.jsonl\`)).trim().split('\\n').map((l) => JSON.parse(l).epoch);
console.log(JSON.stringify({ lines: lines.filter((l) => / INFO  epoch \\d+$/.test(l)).map((l) => l.slice(-7)), metrics }));
await fs.rm(path, { recursive: true });
`;

/** A Hadoop `*-site.xml` with these properties. */
function site(props: Record<string, string>): string {
  const body = Object.entries(props)
    .map(([name, value]) => `  <property><name>${name}</name><value>${value}</value></property>`)
    .join('\n');
  return `<?xml version="1.0"?>\n<configuration>\n${body}\n</configuration>\n`;
}

describe('an app on an HA HDFS cluster (HADOOP_CONF_DIR, hdfs://nameservice)', function () {
  this.timeout(300_000);
  const ha = useHdfsHa();
  let app: App;

  before(async () => {
    app = await makeApp({
      packages: ['@omnifs/core', '@omnifs/hdfs', '@omnifs/logsync'],
      files: {
        'main.mjs': APP,
        'job.mjs': JOB,
        'hdfs-cluster.mjs': readFileSync(join(REPO_ROOT, 'examples', 'hdfs-cluster.mjs'), 'utf8'),
      },
    });
    const { nameservice, namenodes } = ha.info;
    const conf = join(app.dir, 'hadoop-conf');
    mkdirSync(conf);
    writeFileSync(join(conf, 'core-site.xml'), site({ 'fs.defaultFS': `hdfs://${nameservice}` }));
    const props: Record<string, string> = {
      'dfs.nameservices': nameservice,
      [`dfs.ha.namenodes.${nameservice}`]: namenodes.map((n) => n.id).join(','),
      [`dfs.client.failover.proxy.provider.${nameservice}`]:
        'org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider',
    };
    for (const n of namenodes) {
      props[`dfs.namenode.rpc-address.${nameservice}.${n.id}`] = `127.0.0.1:${n.rpcPort}`;
      props[`dfs.namenode.http-address.${nameservice}.${n.id}`] = n.httpUrl.replace('http://', '');
    }
    writeFileSync(join(conf, 'hdfs-site.xml'), site(props));
  });
  after(() => app?.remove());
  const env = (): Record<string, string> => ({
    HADOOP_CONF_DIR: join(app.dir, 'hadoop-conf'),
    HADOOP_USER_NAME: ha.info.user,
  });

  it('runs examples/hdfs-cluster.mjs on either active namenode, by nameservice and by fs.defaultFS', async () => {
    const { nameservice, namenodes } = ha.info;
    try {
      for (const active of [0, 1] as const) {
        await ha.info.activate(active);
        for (const args of [[`hdfs://${nameservice}/${freshName('haex')}`], []]) {
          const r = await app.run('hdfs-cluster.mjs', { args, env: env() });
          expect(r.code, r.stderr).to.equal(0);
          const lines = r.stdout.trim().split('\n');
          expect(lines[0]).to.equal(namenodes.map((n) => `${n.httpUrl}/webhdfs/v1`).join(' '));
          expect(lines.slice(1)).to.deep.equal(["[ 'run-1/metrics.json', 'run-1/train.log' ]", 'epoch 1 loss=0.31']);
        }
      }
    } finally {
      await ha.info.activate(0);
    }
  });

  /** Runs `script` with `args`; once it has written `phase1`, fails the namenodes over and lets it go on. */
  const acrossFailover = async (script: string, args: string[]): Promise<{ phase1: unknown; out: unknown }> => {
    const phase1 = join(app.dir, 'phase1');
    rmSync(phase1, { force: true });
    rmSync(join(app.dir, 'continue'), { force: true });
    const run = app.run(script, { args, env: env(), timeoutMs: 120_000 });
    let finished = false;
    void run.finally(() => (finished = true));
    while (!existsSync(phase1) && !finished) await new Promise((ok) => setTimeout(ok, 50));
    try {
      if (!finished) await ha.info.activate(1);
      writeFileSync(join(app.dir, 'continue'), '');
      const r = await run;
      expect(r.code, r.stderr).to.equal(0);
      return { phase1: JSON.parse(readFileSync(phase1, 'utf8')) as unknown, out: JSON.parse(r.stdout) as unknown };
    } finally {
      await ha.info.activate(0);
    }
  };

  it('reaches the active namenode, and keeps working when the other one takes over', async () => {
    const { phase1, out } = await acrossFailover('main.mjs', [ha.info.nameservice, `/${freshName('haapp')}`]);
    expect(phase1).to.deep.equal(['named', 'default']);
    expect(out).to.deep.equal({ after: ['named', 'after'], names: ['a.txt', 'b.txt', 'c.txt'], gone: true });
  });

  it("keeps a job's log with logsync across a failover: every line and metric, in order", async () => {
    const { out } = await acrossFailover('job.mjs', [ha.info.nameservice, `/${freshName('halog')}`]);
    expect(out).to.deep.equal({ lines: ['epoch 1', 'epoch 2', 'epoch 3', 'epoch 4'], metrics: [1, 2, 3, 4] });
  });
});
