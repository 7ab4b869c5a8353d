/**
 * Azure Blob on loopback: Azurite 3.35.0 (a root devDependency; 3.36+ needs Node 21+),
 * its `azurite-blob` binary, in-memory, its garbage collector put off (azurite-gc.cjs).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AzureInfo, StartedServer } from './types';
import { REPO_ROOT, ToolchainMissing, freePort, startProcess, waitForHttp, waitForPort } from './util';

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
/** Azurite's well-known development account key (public, documented by Microsoft). */
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function azuriteBin(): string {
  return join(REPO_ROOT, 'node_modules', '.bin', 'azurite-blob');
}

/** Put into Azurite before it starts: keeps its garbage collector from stalling the server mid-run. */
const GC_PRELOAD = join(__dirname, 'azurite-gc.cjs');

/** Azurite comes with `npm install`; this only checks that it is there. */
export function installAzurite(): number {
  if (!existsSync(azuriteBin())) {
    throw new ToolchainMissing(
      'Azure tests need Azurite',
      'run `npm install` at the repository root (azurite@3.35.0 is a devDependency)',
    );
  }
  return 0;
}

/** Splits an Azure Storage connection string into its fields. */
export function parseConnectionString(cs: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of cs.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

/** The account named by OMNIFS_TEST_AZURE_CONNECTION_STRING, if any. */
export function externalAzure(): AzureInfo | undefined {
  const connectionString = process.env.OMNIFS_TEST_AZURE_CONNECTION_STRING;
  if (!connectionString) return undefined;
  const f = parseConnectionString(connectionString);
  const accountName = f.AccountName ?? '';
  return {
    connectionString,
    accountName,
    accountKey: f.AccountKey ?? '',
    blobEndpoint:
      f.BlobEndpoint ??
      `${f.DefaultEndpointsProtocol ?? 'https'}://${accountName}.blob.${f.EndpointSuffix ?? 'core.windows.net'}`,
    container: process.env.OMNIFS_TEST_AZURE_CONTAINER || undefined,
  };
}

/** How {@link startAzurite} serves: plain HTTP (the default), or HTTPS with OAuth bearer tokens checked. */
export interface AzuriteOptions {
  /** Serve HTTPS with this certificate and key (PEM files), and take bearer tokens (Azurite's basic OAuth: claims checked, not signatures). */
  tls?: { cert: string; key: string };
}

/** Starts Azurite's blob service in memory on a free loopback port. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<StartedServer<AzureInfo>> {
  const installMs = installAzurite();
  const port = await freePort();
  const scheme = options.tls ? 'https' : 'http';
  const blobEndpoint = `${scheme}://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  // Azurite may write workspace files into its working directory; keep them out of the repo
  // (--location cannot be combined with --inMemoryPersistence).
  const location = mkdtempSync(join(tmpdir(), 'omnifs-azurite-'));
  const t0 = Date.now();
  const tlsArgs = options.tls ? ['--cert', options.tls.cert, '--key', options.tls.key, '--oauth', 'basic'] : [];
  const proc = startProcess(
    `azurite-${port}`,
    process.execPath,
    [
      '--require',
      GC_PRELOAD,
      azuriteBin(),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--loose',
      '--disableTelemetry',
      '--silent',
      ...tlsArgs,
    ],
    { cwd: location },
  );
  const stop = async (): Promise<void> => {
    await proc.stop();
    await rm(location, { recursive: true, force: true });
  };
  try {
    // Unauthenticated listing answers 403: that is Azurite speaking. Over HTTPS, an open port is enough.
    if (options.tls) await waitForPort(port, 30_000, proc);
    else await waitForHttp(`${blobEndpoint}?comp=list`, 30_000, { proc, accept: (s) => s === 200 || s === 403 });
  } catch (e) {
    await stop();
    throw e;
  }
  const startMs = Date.now() - t0;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`;
  return {
    info: {
      connectionString,
      accountName: AZURITE_ACCOUNT,
      accountKey: AZURITE_KEY,
      blobEndpoint,
      container: undefined,
    },
    installMs,
    startMs,
    proc,
    stop,
  };
}
