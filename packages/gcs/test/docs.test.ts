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

  /** What examples/gcs.mjs prints, per its comments. */
  const PRINTED = [
    "[ 'runs/run-1/metrics.json', 'runs/run-1/weights.bin' ]",
    '20971520',
    'AlreadyExists',
    "[ 'archive/run-1/metrics.json', 'archive/run-1/weights.bin' ]",
    'false',
  ];

  /** Runs the example with a fresh bucket and these variables in place of any OMNIFS_GS_* or emulator ones. */
  const runExample = async (vars: Record<string, string>): Promise<string[]> => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith('OMNIFS_GS_')) delete env[name];
    delete env.STORAGE_EMULATOR_HOST;
    Object.assign(env, { GCS_BUCKET: freshName('example') }, vars);
    const { stdout } = await run(process.execPath, [join(repo, 'examples/gcs.mjs')], { cwd: repo, env });
    return stdout.trim().split('\n');
  };

  it('examples/gcs.mjs prints what its comments say against fake-gcs-server', async function () {
    this.timeout(60_000);
    const vars = { OMNIFS_GS_API_ENDPOINT: gcs.info.apiEndpoint, OMNIFS_GS_PROJECT_ID: gcs.info.projectId };
    expect(await runExample(vars)).to.deep.equal(PRINTED);
  });

  it('examples/gcs.mjs runs the same with the emulator named by STORAGE_EMULATOR_HOST as host:port', async function () {
    this.timeout(60_000);
    const vars = {
      STORAGE_EMULATOR_HOST: new URL(gcs.info.apiEndpoint).host,
      GOOGLE_CLOUD_PROJECT: gcs.info.projectId,
    };
    expect(await runExample(vars)).to.deep.equal(PRINTED);
  });
});
