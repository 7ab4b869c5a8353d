#!/usr/bin/env node
/** The `omnifs` executable. */
import { main } from './index';

main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  raw: (bytes) => process.stdout.write(bytes),
  err: (text) => process.stderr.write(`${text}\n`),
}).then((code) => {
  process.exitCode = code;
}, (err: unknown) => {
  process.stderr.write(`omnifs: ${String(err)}\n`);
  process.exitCode = 1;
});
