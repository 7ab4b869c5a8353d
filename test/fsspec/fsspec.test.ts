/**
 * fsspec as the oracle for listing and globbing: random trees (files, directories empty
 * or not) and calls of glob, find, ls, du, walk, info, exists, isdir, isfile, size and
 * head, answered by fsspec's memory
 * filesystem (cases.py, in a venv holding FSSPEC), then made on omnifs' memory and local
 * filesystems, which must answer alike: the same paths, sizes and kinds of failure.
 */
import { expect } from 'chai';
import { filesystem, type FileSystem } from '@omnifs/core';
import { askFsspec, exceptionOf, FSSPEC, makeTree, type Tree } from './oracle';

/** Trees made; each is asked CALLS calls (as in cases.py). */
const SEEDS = 300;
const CALLS = 10;

interface Case extends Tree {
  call: 'glob' | 'find' | 'ls' | 'du' | 'walk' | 'info' | 'exists' | 'isdir' | 'isfile' | 'size' | 'head';
  path: string;
  maxdepth?: number;
  withdirs?: boolean;
  ok?: unknown;
  error?: string;
}

/** The answer to `c` from `fs`, with paths relative to `root`, shaped as cases.py shapes fsspec's. */
async function answer(fs: FileSystem, root: string, c: Case): Promise<unknown> {
  const rel = (p: string): string => (p === root ? '.' : p.startsWith(`${root}/`) ? p.slice(root.length + 1) : `!${p}`);
  const p = c.path === '' ? root : `${root}/${c.path}`;
  const depth = c.maxdepth === undefined ? {} : { maxDepth: c.maxdepth };
  switch (c.call) {
    case 'glob':
      return (await fs.glob(p, depth)).map(rel).sort();
    case 'find':
      return (await fs.find(p, { ...depth, withDirs: c.withdirs === true })).map(rel).sort();
    case 'ls':
      return (await fs.ls(p)).map(rel).sort();
    case 'du':
      return fs.du(p, depth);
    case 'walk': {
      const out: unknown[] = [];
      for await (const w of fs.walk(p, depth)) out.push([rel(w.root), [...w.dirs].sort(), [...w.files].sort()]);
      return out;
    }
    case 'info': {
      const info = await fs.info(p);
      return [info.type, info.type === 'file' ? info.size : null];
    }
    case 'exists':
      return fs.exists(p);
    case 'isdir':
      return fs.isDir(p);
    case 'isfile':
      return fs.isFile(p);
    case 'size':
      return fs.size(p);
    case 'head':
      return Buffer.from(await fs.head(p, 4)).toString();
  }
}

describe('fsspec as the oracle: listing and globbing on random trees', function () {
  this.timeout(300_000);
  let cases: Case[] = [];
  let version = '';

  before(async function () {
    ({ cases, version } = await askFsspec<Case>(this, 'cases.py', ['0', String(SEEDS)]));
  });

  it(`asks ${FSSPEC} what it answers`, () => {
    expect(version).to.equal(FSSPEC.split('==')[1]);
    expect(cases).to.have.length(SEEDS * CALLS);
    // The trees and calls reach the cases worth comparing: failures, deep globs, empty answers.
    expect(cases.filter((c) => c.error === 'FileNotFoundError').length).to.be.above(20);
    expect(cases.filter((c) => c.call === 'glob' && c.path.includes('**')).length).to.be.above(50);
    expect(cases.filter((c) => Array.isArray(c.ok) && c.ok.length === 0).length).to.be.above(50);
    expect(cases.filter((c) => c.call === 'walk' && JSON.stringify(c.ok).includes('[""]')).length).to.be.above(10);
  });

  for (const protocol of ['memory', 'file']) {
    it(`omnifs ${protocol} answers every call as fsspec's memory filesystem does`, async () => {
      const fs = filesystem(protocol);
      const differ: unknown[] = [];
      for (let i = 0; i < cases.length; i += CALLS) {
        const { root, drop } = await makeTree(protocol, fs, cases[i]!);
        for (const c of cases.slice(i, i + CALLS)) {
          let got: { ok?: unknown; error?: string };
          try {
            got = { ok: await answer(fs, root, c) };
          } catch (err) {
            got = { error: exceptionOf(err) };
          }
          // fsspec walks a file as a directory holding one nameless file; omnifs, as os.walk,
          // walks nothing there (docs/migration-from-fsspec.md).
          const fileWalk =
            c.call === 'walk' && JSON.stringify(c.ok) === JSON.stringify([[c.path.replace(/\/$/, ''), [], ['']]]);
          const want = c.error === undefined ? { ok: fileWalk ? [] : c.ok } : { error: c.error };
          if (JSON.stringify(got) !== JSON.stringify(want))
            differ.push({ seed: c.seed, call: c.call, path: c.path, maxdepth: c.maxdepth, fsspec: want, omnifs: got });
        }
        await drop();
      }
      expect(differ).to.deep.equal([]);
    });
  }
});
