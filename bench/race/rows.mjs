/**
 * The rows of the race: what each measures, its unit, and the sizes of a full and a quick run.
 * A Node child (child.mjs) and a Python child (fsspec_child.py) run the same rows by id.
 */

/**
 * Rows in the order the report shows them and they run within one contender's process (gets
 * read what the puts wrote), except that the rows of {@link RSS_ROWS} run last.
 */
export const ROWS = [
  { id: 'put1', title: '4 KiB PUT one at a time', unit: 'ops/s' },
  { id: 'get1', title: '4 KiB GET one at a time', unit: 'ops/s' },
  { id: 'putBatch', title: 'N x 4 KiB PUT, default batching', unit: 'ops/s' },
  { id: 'get64', title: 'N x 4 KiB GET, concurrency 64', unit: 'ops/s' },
  { id: 'putLatency', title: 'PUT with 20 ms added per request, default batching', unit: 'ops/s' },
  { id: 'upload', title: 'large upload', unit: 'MB/s' },
  { id: 'download', title: 'large download', unit: 'MB/s' },
  { id: 'capped', title: 'large get, each connection capped at 50 MB/s', unit: 'MB/s' },
  { id: 'list', title: 'list N keys', unit: 's' },
  { id: 'delete', title: 'delete N keys', unit: 's' },
];

/**
 * The small-request rows a contender runs once, untimed, before its timed rows (unless the
 * race runs with `--cold`), followed by a listing of what they wrote when the race lists:
 * the timed rows then measure a warmed process (its hot paths compiled, its connections
 * open), as a long-running app meets them.
 */
export const WARM_ROWS = ['put1', 'get1', 'putBatch', 'get64', 'putLatency'];

/**
 * Rows whose peak RSS the report shows: each contender's process collects its garbage
 * before these alone, so that the peak is the transfer's own. A Node contender's is V8's
 * memory-reducing full GC (`gc({ type: 'major', flavor: 'last-resort' })`), which also
 * gives back the young generation the small rows grew: after omnifs's SDK path's small
 * rows on S3 a plain full GC left 128 MiB of new space committed with 18 MiB of heap in
 * use, and the 1 GiB download then peaked at 380-396 MiB where it peaks at 196 MiB in a
 * process that did nothing else (206 MiB after the memory-reducing GC). That GC also drops
 * compiled code, so these rows run last: run before the list and delete rows, it made
 * omnifs's S3 listing 0.241 → 0.275 s and Azure's 0.024 → 0.046 s (race of 2026-12-06
 * 04:55 against the one of 03:18), OpenDAL's not. Before a
 * small-request row a forced GC is no part of the work and costs a JIT-compiled client its
 * warm state: omnifs's 1,000 GETs at 64 in flight went from 0.77-0.84x of OpenDAL with it
 * to 1.02-1.13x without it, OpenDAL's own figure unchanged (S3, 5 repetitions, two runs each).
 */
export const RSS_ROWS = ['upload', 'download'];

/**
 * Sizes of one store's rows: S3's full run as issue 15 names them; the emulators of GCS,
 * Azure and HDFS serve small requests several times slower than versitygw (and MiniDFSCluster
 * takes minutes to seed 10,000 files), so their full runs make fewer small requests and
 * list 500 keys, with the same 1 GiB files; `quick` is a smoke run of a few minutes.
 */
export function sizes(quick, store) {
  if (quick) return { one: 50, batch: 200, latency: 50, largeMiB: 32, keys: 500, reps: 1 };
  if (store === 's3') return { one: 500, batch: 1000, latency: 200, largeMiB: 1024, keys: 10_000, reps: 3 };
  return { one: 200, batch: 200, latency: 50, largeMiB: 1024, keys: 500, reps: 3 };
}

/** The sizes a run used for `store`: one set per store, or one for all (runs before 2026-12-02). */
export function sizesIn(meta, store) {
  return meta.sizes[store] ?? meta.sizes;
}

/**
 * Listings timed per contender's process, the median kept as the row's time: one listing
 * takes a few hundred milliseconds on S3 and tens on Azurite, and varies by a third from
 * one to the next, so three single listings (one per repetition) left the ratio to chance.
 */
export const LIST_TIMES = 5;

/**
 * Batches timed through the latency proxy per contender's process, the median kept: a
 * batch takes ~60 ms on S3, all of its requests in flight at once, and one batch more or
 * less delayed by the proxy and the server (processes on the same cores) moved the row's
 * ratio between 0.75x and 1.25x from one run to the next.
 */
export const LATENCY_TIMES = 5;

/** Round-trip latency the proxy adds for `putLatency`, and the per-connection cap for `capped`. */
export const LATENCY_MS = 20;
export const CAP_BYTES_PER_SEC = 50e6;
export const SMALL = 4096;

/** Row titles with the run's sizes filled in. */
export function rowTitle(row, s) {
  const n = (x) => x.toLocaleString('en-US');
  const big = (mib) => (mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`);
  switch (row.id) {
    case 'putBatch':
      return `${n(s.batch)} x 4 KiB PUT, default batching`;
    case 'get64':
      return `${n(s.batch)} x 4 KiB GET, concurrency 64`;
    case 'putLatency':
      return `${n(s.latency)} PUT with ${LATENCY_MS} ms added per request, default batching`;
    case 'upload':
      return `${big(s.largeMiB)} upload`;
    case 'download':
      return `${big(s.largeMiB)} download`;
    case 'capped':
      return `${big(s.largeMiB)} get, each connection capped at ${CAP_BYTES_PER_SEC / 1e6} MB/s`;
    case 'list':
      return `list ${n(s.keys)} keys`;
    case 'delete':
      return `delete ${n(s.keys)} keys`;
    default:
      return row.title;
  }
}

/** The 4 KiB content of small object `i` (distinct per object, the same for every contender). */
export function smallContent(i) {
  const b = Buffer.alloc(SMALL, i & 0xff);
  b.writeUInt32LE(i, 0);
  return b;
}

/**
 * Keys of the small tree each contender removes during its warm-up when the race has a
 * delete row, so that the timed delete is not the first removal of the process.
 */
export const WARM_DELETE_KEYS = 20;

/** Keys seeded for list/delete under `prefix`: 100 directories. */
export function seedKeys(prefix, count) {
  return Array.from({ length: count }, (_, i) => `${prefix}/d${String(i % 100).padStart(2, '0')}/k${i}`);
}
