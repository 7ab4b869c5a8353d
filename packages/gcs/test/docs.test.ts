/** The GCS page shows examples/gcs.mjs exactly as it is, and the example does what its comments say. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freshName } from '../../../test/servers/index';
import { useGcs } from './helpers';

const run = promisify(execFile);
const repo = join(__dirname, '..', '..', '..');

describe('gcs: docs', function () {
  const gcs = useGcs();

  it('docs/protocols/gcs.md shows examples/gcs.mjs exactly as it is', function () {
    const doc = readFileSync(join(repo, 'docs/protocols/gcs.md'), 'utf8');
    const shown = /<!-- example: examples\/gcs\.mjs -->\n```[a-z]*\n([\s\S]*?)```/.exec(doc);
    expect(shown, 'marked example').to.not.equal(null);
    expect(shown![1]).to.equal(readFileSync(join(repo, 'examples/gcs.mjs'), 'utf8'));
  });

  it('examples/gcs.mjs prints what its comments say against fake-gcs-server', async function () {
    this.timeout(60_000);
    const bucket = freshName('example');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GCS_BUCKET: bucket,
      OMNIFS_GS_API_ENDPOINT: gcs.info.apiEndpoint,
      OMNIFS_GS_PROJECT_ID: gcs.info.projectId,
    };
    delete env.STORAGE_EMULATOR_HOST;
    const { stdout } = await run(process.execPath, [join(repo, 'examples/gcs.mjs')], { cwd: repo, env });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).to.equal("[ 'runs/run-1/metrics.json', 'runs/run-1/weights.bin' ]");
    expect(lines[1]).to.equal('20971520');
    expect(lines[2]).to.equal('AlreadyExists');
    expect(lines[3]).to.equal("[ 'archive/run-1/metrics.json', 'archive/run-1/weights.bin' ]");
    expect(lines[4]).to.equal('false');
    expect(lines).to.have.length(5);
  });
});
