/**
 * Run test servers by hand: `npx tsx test/servers/cli.ts s3 gcs azure hdfs`.
 * Installs what is missing, starts each server, prints its connection info as JSON with
 * install/start times and memory, then runs until Ctrl-C. With `--measure` it prints the
 * figures and stops instead of waiting.
 */
import { ensureServer, stopAllServers, type ServerKind } from './index';
import { say } from './util';

const KINDS: readonly ServerKind[] = ['s3', 'gcs', 'azure', 'hdfs'];

async function main(argv: string[]): Promise<void> {
  const measure = argv.includes('--measure');
  const kinds = argv.filter((a) => !a.startsWith('--')) as ServerKind[];
  const bad = kinds.filter((k) => !KINDS.includes(k));
  if (kinds.length === 0 || bad.length > 0) {
    say(`usage: npx tsx test/servers/cli.ts [--measure] ${KINDS.join('|')} ...`);
    process.exit(2);
  }
  for (const kind of kinds) {
    const s = await ensureServer(kind);
    // Let the process settle before reading its memory.
    await new Promise((r) => setTimeout(r, measure ? 2000 : 0));
    const rssMiB = s.proc ? Math.round(s.proc.rssKiB() / 1024) : undefined;
    const { reset: _reset, ...info } = s.info as unknown as Record<string, unknown>;
    process.stdout.write(`${JSON.stringify({ kind, ...info, installMs: s.installMs, startMs: s.startMs, rssMiB })}\n`);
  }
  if (measure) {
    await stopAllServers();
    return;
  }
  say('servers running; Ctrl-C stops them');
  await new Promise<never>(() => setInterval(() => {}, 1 << 30));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  say(`failed: ${(e as Error).stack ?? String(e)}`);
  void stopAllServers().finally(() => process.exit(1));
});
