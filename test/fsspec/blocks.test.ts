/**
 * fsspec as the oracle for `readBlock`: random files (some over 64 KiB, so a delimiter is
 * sought across reads) and calls of `read_block` with and without delimiters of one to
 * five bytes, answered by fsspec's memory filesystem (blocks.py), then asked of omnifs'
 * memory and local filesystems, which must give the same bytes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { filesystem } from '@omnifs/core';
import { askFsspec, exceptionOf, FSSPEC } from './oracle';

const SEEDS = 200;
const CALLS = 8;

interface Case {
  seed: number;
  content?: string;
  offset: number;
  length: number | null;
  delimiter: string | null;
  ok?: [number, string];
  error?: string;
}

describe('fsspec as the oracle: readBlock on random files', function () {
  this.timeout(300_000);
  let cases: Case[] = [];
  let version = '';

  before(async function () {
    ({ cases, version } = await askFsspec<Case>(this, 'blocks.py', ['0', String(SEEDS)]));
  });

  it(`asks ${FSSPEC} what it answers`, () => {
    expect(version).to.equal(FSSPEC.split('==')[1]);
    expect(cases).to.have.length(SEEDS * CALLS);
    // The calls reach the cases worth comparing: blocks cut on delimiters in large files,
    // empty blocks, whole files.
    const large = cases.filter((c) => c.ok !== undefined && c.ok[0] > 65_536 && c.delimiter !== null);
    expect(large.length).to.be.above(20);
    expect(cases.filter((c) => c.ok?.[0] === 0).length).to.be.above(100);
    expect(cases.filter((c) => c.length === null && c.offset === 0).length).to.be.above(20);
  });

  for (const protocol of ['memory', 'file']) {
    it(`omnifs ${protocol} gives every block fsspec's memory filesystem gives`, async () => {
      const fs = filesystem(protocol);
      const dir = protocol === 'file' ? mkdtempSync(join(tmpdir(), 'omnifs-blocks-')) : '/fsspec-blocks';
      const path = `${dir}/f`;
      const differ: unknown[] = [];
      try {
        for (const c of cases) {
          if (c.content !== undefined) {
            const data = Buffer.from(c.content, 'base64');
            if (protocol === 'file') writeFileSync(path, data);
            else await fs.pipeFile(path, data);
          }
          const options = c.delimiter === null ? {} : { delimiter: Buffer.from(c.delimiter, 'base64') };
          let got: { ok?: [number, string]; error?: string };
          try {
            const block = await fs.readBlock(path, c.offset, c.length, options);
            got = { ok: [block.byteLength, createHash('sha256').update(block).digest('hex')] };
          } catch (err) {
            got = { error: exceptionOf(err) };
          }
          const want = c.error === undefined ? { ok: c.ok } : { error: c.error };
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            differ.push({
              seed: c.seed,
              offset: c.offset,
              length: c.length,
              delimiter: c.delimiter,
              fsspec: want,
              omnifs: got,
            });
          }
        }
      } finally {
        if (protocol === 'file') rmSync(dir, { recursive: true, force: true });
        else await fs.rm('/fsspec-blocks', { recursive: true });
      }
      expect(differ).to.deep.equal([]);
    });
  }
});
