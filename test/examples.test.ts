import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';

const run = promisify(execFile);
const root = join(__dirname, '..');

/** Code blocks marked `<!-- example: path -->` in a markdown file, with their paths. */
function markedExamples(doc: string): Array<{ file: string; code: string }> {
  const text = readFileSync(join(root, doc), 'utf8');
  const re = /<!-- example: (\S+) -->\n```[a-z]*\n([\s\S]*?)```/g;
  return [...text.matchAll(re)].map((m) => ({ file: m[1]!, code: m[2]! }));
}

/** Checks that `doc` shows `file` exactly as it is, then runs it and gives what it printed. */
async function shownAndRun(doc: string, file: string): Promise<string> {
  const shown = markedExamples(doc).find((s) => s.file === file);
  expect(shown?.code, `${doc} shows ${file}`).to.equal(readFileSync(join(root, file), 'utf8'));
  return (await run(process.execPath, [join(root, file)], { cwd: root })).stdout;
}

describe('examples', () => {
  it('the README shows examples/quickstart.mjs exactly as it is', () => {
    const shown = markedExamples('README.md');
    expect(shown.map((s) => s.file)).to.include('examples/quickstart.mjs');
    for (const { file, code } of shown) expect(code, file).to.equal(readFileSync(join(root, file), 'utf8'));
  });

  it('docs/getting-started.md shows its examples exactly as they are', () => {
    const shown = markedExamples('docs/getting-started.md');
    expect(shown.map((s) => s.file)).to.deep.equal([
      'examples/getting-started.mjs',
      'examples/rsync.mjs',
      'examples/testing/report.mjs',
      'examples/testing/report.test.mjs',
    ]);
    for (const { file, code } of shown) expect(code, file).to.equal(readFileSync(join(root, file), 'utf8'));
  });

  it('docs/protocols/s3.md shows examples/s3-content-type.mjs exactly as it is (an app runs it on S3)', () => {
    const shown = markedExamples('docs/protocols/s3.md');
    expect(shown.map((s) => s.file)).to.deep.equal(['examples/s3-content-type.mjs']);
    expect(shown[0]!.code).to.equal(readFileSync(join(root, 'examples/s3-content-type.mjs'), 'utf8'));
  });

  it('docs/migration-from-fsspec.md shows examples/from-fsspec.mjs exactly as it is, and it prints what its comments say', async () => {
    const shown = markedExamples('docs/migration-from-fsspec.md');
    expect(shown.map((s) => s.file)).to.deep.equal(['examples/from-fsspec.mjs', 'examples/fsspec-rules.mjs']);
    expect(shown[0]!.code).to.equal(readFileSync(join(root, 'examples/from-fsspec.mjs'), 'utf8'));
    const { stdout } = await run(process.execPath, [join(root, 'examples/from-fsspec.mjs')], { cwd: root });
    expect(stdout.trim().split('\n')).to.deep.equal([
      'x,y',
      '3,4',
      "[ '/proj/data/a.csv', '/proj/data/b.csv' ]",
      '16',
      "[ '/backup/data/a.csv', '/backup/data/b.csv' ]",
      '1,2',
      '2',
      'true NotFound ENOENT',
    ]);
  });

  it('docs/migration-from-fsspec.md shows examples/fsspec-rules.mjs exactly as it is, and it prints what its comments say', async () => {
    const stdout = await shownAndRun('docs/migration-from-fsspec.md', 'examples/fsspec-rules.mjs');
    expect(stdout.trim().split('\n')).to.deep.equal([
      "[ '/w/src/a', '/w/src/b' ]",
      "[ '/w/src/b', '/w/src/b/g', '/w/src/b/g/x' ]",
      "[ '/w/src/b', '/w/src/c' ]",
      "[ '/w/flat/f' ]",
      "[ '/w/list/a/f', '/w/list/b/g/x' ]",
      'NotFound',
      "[ '/w/src/c', '/w/src/a/f' ]",
      '0',
      "[ '/w/moved/a/f' ] [ '/w/list/b/g/x' ]",
      'false',
    ]);
  });

  it('docs/api.md shows examples/read-blocks.mjs exactly as it is, and it prints what its comments say', async () => {
    const stdout = await shownAndRun('docs/api.md', 'examples/read-blocks.mjs');
    expect(stdout.trim().split('\n')).to.deep.equal(['7 10000', '{"step":0,"l', '{"step":0,"loss":1}']);
  });

  it('docs/reliability.md shows examples/reliability.mjs exactly as it is, and it prints what its comment says', async () => {
    const shown = markedExamples('docs/reliability.md');
    expect(shown.map((s) => s.file)).to.deep.equal(['examples/reliability.mjs']);
    expect(shown[0]!.code).to.equal(readFileSync(join(root, 'examples/reliability.mjs'), 'utf8'));
    const { stdout } = await run(process.execPath, [join(root, 'examples/reliability.mjs')], { cwd: root });
    expect(stdout.trim()).to.equal('AlreadyExists EEXIST false false');
  });

  it('examples/testing/report.test.mjs passes under mocha with s3:// served from memory', async () => {
    const mocha = require.resolve('mocha/bin/mocha.js');
    const { stdout } = await run(process.execPath, [mocha, '--no-config', 'examples/testing/report.test.mjs'], {
      cwd: root,
    });
    expect(stdout).to.include('writes the rows as CSV');
    expect(stdout).to.match(/2 passing/);
    expect(stdout).not.to.match(/failing|pending/);
  });

  it('examples/rsync.mjs prints what its comments say', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'examples/rsync.mjs')], { cwd: root });
    expect(stdout.trim().split('\n')).to.deep.equal(['2', "[ '/runs/run-1/notes.txt' ] 1", "[ '/run-1/notes.txt' ]"]);
  });

  it('examples/getting-started.mjs prints what its comments say', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'examples/getting-started.mjs')], { cwd: root });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).to.equal('3,9');
    expect(stdout).to.include("'part-4.csv'");
    expect(lines).to.include.members(['NotFound ENOENT', 'copied 5 files', 'Aborted']);
  });

  it('examples/quickstart.mjs prints what the README says', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'examples/quickstart.mjs')], { cwd: root });
    expect(stdout).to.include("[ '/exp/run-1/notes.txt', '/exp/run-1/weights.bin' ]");
    expect(stdout).to.include("[ '/exp/run-1/notes.txt' ]");
    expect(stdout.trim().split('\n').pop()).to.equal('loss=0.31');
  });

  it('docs/api.md shows examples/cleanup.mjs exactly as it is, and it prints what its comments say', async () => {
    const shown = markedExamples('docs/api.md');
    expect(shown.map((s) => s.file)).to.include('examples/cleanup.mjs');
    for (const { file, code } of shown) expect(code, file).to.equal(readFileSync(join(root, file), 'utf8'));
    const { stdout } = await run(process.execPath, [join(root, 'examples/cleanup.mjs')], { cwd: root });
    expect(stdout.trim().split('\n')).to.deep.equal(["[ '/model.bin' ]", "[ 'temporary' ]", '1 1']);
  });

  it('docs/api.md shows examples/copy-live-dir.mjs exactly as it is, and it prints what its comments say', async () => {
    const stdout = await shownAndRun('docs/api.md', 'examples/copy-live-dir.mjs');
    expect(stdout.trim().split('\n')).to.deep.equal([
      "[ 'app.log', 'app.log.1' ]",
      "[ 'NotFound app.log.2' ]",
      'ENOENT',
    ]);
  });

  it('docs/api.md shows examples/object-store.mjs, a store on ObjectStoreFileSystem, and it prints what its comments say', async () => {
    const shown = markedExamples('docs/api.md');
    expect(shown.map((s) => s.file)).to.include('examples/object-store.mjs');
    const { stdout } = await run(process.execPath, [join(root, 'examples/object-store.mjs')], { cwd: root });
    expect(stdout.trim().split('\n')).to.deep.equal([
      "[ 'photos/2024', 'photos/notes.txt' ]",
      'true 5',
      'AlreadyExists',
      "[ 'photos/notes.txt' ]",
      'NotEmpty',
    ]);
  });

  it('docs/api.md shows examples/http-pool.mjs exactly as it is, and it prints what its comments say', async () => {
    const stdout = await shownAndRun('docs/api.md', 'examples/http-pool.mjs');
    expect(stdout.trim().split('\n')).to.deep.equal([
      '200 hello',
      '4194304',
      '404 no such object',
      'ETIMEDOUT true',
      '200 hello',
    ]);
  });

  it('docs/api.md shows examples/backend.mjs exactly as it is, and the backend does what its comments say', async () => {
    const stdout = await shownAndRun('docs/api.md', 'examples/backend.mjs');
    expect(stdout.trim().split('\n')).to.deep.equal([
      "[ '/notes/a.txt', '/notes/b.txt' ]",
      'hello',
      '{ copy: true, rename: false, realDirectories: false }',
      'kv info "/notes/c.txt": no such file or directory',
    ]);
  });
});
