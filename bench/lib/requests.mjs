/**
 * Names of the requests a counting proxy saw, in the protocol's words, for the request
 * economy benchmarks: WebHDFS ops (the datanode step marked), Azure `comp=` operations,
 * S3 listings and batch deletes, GCS uploads and object calls; else the method.
 */

/** What one request was: method and the shape of its path and query, values left out. */
export function requestKind(r) {
  const u = new URL(r.url, 'http://x');
  const q = u.searchParams;
  if (q.has('op')) return `${q.get('op')}${q.has('namenoderpcaddress') ? ' (datanode)' : ''}`;
  const comp = q.get('comp');
  if (comp) return `${r.method} comp=${comp}`;
  if (q.get('list-type') === '2') return 'ListObjectsV2';
  if (q.has('delete')) return 'DeleteObjects';
  if (u.pathname.startsWith('/upload/'))
    return `${r.method} upload ${q.get('uploadType') ?? (q.has('upload_id') ? 'session' : '')}`;
  if (/\/b\/[^/]+\/o$/.test(u.pathname)) return `${r.method} objects`;
  if (/\/b\/[^/]+\/o\//.test(u.pathname)) return `${r.method} object`;
  if (u.pathname.startsWith('/batch/')) return `${r.method} batch`;
  return r.method;
}

/** `3 PUT object, 1 GET objects`: the kinds of `requests`, most frequent first. */
export function countKinds(requests) {
  const counts = new Map();
  for (const r of requests) counts.set(requestKind(r), (counts.get(requestKind(r)) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}
