/**
 * Free page reporting: a virtual machine's guest handing the memory it frees back to its
 * host (virtio-balloon). A page handed back faults into the host when the guest touches it
 * again, and the guest's thread waits meanwhile: on the 2-core machine the race was tuned
 * on, writing 2 GiB to a new tmpfs file took up to 5.3 s of system CPU into pages handed
 * back, 0.54-0.63 s into pages the guest kept. That cost lands on whichever process touches
 * the pages first (a download's new file, a server's heap, a client's buffers), so with
 * reporting on the large rows and their CPU carry it at random. The race records the
 * setting and what was handed back during the run and, with reporting off, touches the free
 * memory once before it starts (see bench/README.md).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const DIR = '/sys/module/page_reporting/parameters';

/** Pages of a higher order than this are never reported: the kernel's largest block is order 10. */
const HIGHEST_ORDER = 10;

function read(name) {
  try {
    const n = Number(readFileSync(`${DIR}/${name}`, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The machine's free page reporting now: `order` (blocks of 2^order pages and larger are
 * reported) and `reportedKiB` (the total so far, where the kernel counts it); undefined
 * where the kernel has no page reporting.
 */
export function pageReporting() {
  const order = read('page_reporting_order');
  return order === undefined ? undefined : { order, reportedKiB: read('reported_kib') };
}

/** Free memory left untouched by {@link touchFreeMemory}, for whatever else runs meanwhile. */
const TOUCH_MARGIN_MIB = 1536;

/** The size of each buffer {@link touchFreeMemory} fills. */
const TOUCH_CHUNK_MIB = 64;

/** MemFree of /proc/meminfo in MiB; undefined where there is none. */
function freeMiB() {
  try {
    const m = /^MemFree:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Touches the machine's free memory once, when reporting is off now but memory was handed
 * back before (`reportedKiB` above 0): turning reporting off keeps what the guest frees from
 * then on, yet what it handed back earlier stays the host's until touched, and the first
 * process to touch it pays. A child process fills all but {@link TOUCH_MARGIN_MIB} of the
 * free memory and exits; the guest keeps those pages, free and backed. Returns
 * `{ GiB, seconds }`, or undefined when there was nothing to touch.
 */
export function touchFreeMemory(now) {
  if (now === undefined || now.order <= HIGHEST_ORDER || !(now.reportedKiB > 0)) return undefined;
  const free = freeMiB();
  const chunks = free === undefined ? 0 : Math.floor((free - TOUCH_MARGIN_MIB) / TOUCH_CHUNK_MIB);
  if (chunks <= 0) return undefined;
  const fill =
    'const keep = []; const n = Number(process.argv[1]);' +
    `for (let i = 0; i < n; i++) keep.push(Buffer.allocUnsafe(${TOUCH_CHUNK_MIB} * 2 ** 20).fill(1));`;
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, ['-e', fill, String(chunks)], { stdio: 'inherit' });
  if (res.status !== 0) return undefined;
  return { GiB: (chunks * TOUCH_CHUNK_MIB) / 1024, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** Whether reporting was on between two readings of {@link pageReporting}. */
function reportingOn(start, end) {
  if (start.reportedKiB !== undefined && end?.reportedKiB !== undefined) return end.reportedKiB > start.reportedKiB;
  return start.order <= HIGHEST_ORDER;
}

/** The command that turns reporting off until the next boot (as root). */
const TURN_OFF = `echo ${HIGHEST_ORDER + 1} > ${DIR}/page_reporting_order`;

/** A warning for the start of a run, or undefined when reporting is off or absent. */
export function reportingWarning(now) {
  if (now === undefined || now.order > HIGHEST_ORDER) return undefined;
  return (
    `warning: this machine hands freed memory back to its host (free page reporting, page_reporting_order ` +
    `${now.order}); touching it again costs several times the system CPU, at random across contenders. ` +
    `As root: ${TURN_OFF} (see bench/README.md)\n`
  );
}

/** The report's sentence on reporting during a run, or '' for runs that did not record it. */
export function reportingSentence(meta) {
  const { start, end, touched } = meta.pageReporting ?? {};
  if (start === undefined) return '';
  if (!reportingOn(start, end)) {
    const off =
      ` Free page reporting to the host was off (\`page_reporting_order\` ${start.order}): memory the machine ` +
      "freed during the run stayed the guest's";
    if (touched !== undefined)
      return (
        `${off}, and ${touched.GiB.toFixed(1)} GiB of its free memory were touched once before the servers started ` +
        `(${touched.seconds.toFixed(1)} s), so that little of what it had handed back before was left for a row to ` +
        'touch (bench/README.md, "Free page reporting").'
      );
    if (start.reportedKiB > 0)
      return (
        `${off}, but what it had handed back before (${(start.reportedKiB / 2 ** 20).toFixed(0)} GiB since boot) was ` +
        'not touched first: a row may have met some of it (bench/README.md, "Free page reporting").'
      );
    return `${off}, so no row paid for memory handed back to the host (bench/README.md, "Free page reporting").`;
  }
  const handed =
    start.reportedKiB !== undefined && end?.reportedKiB !== undefined
      ? `, ${((end.reportedKiB - start.reportedKiB) / 2 ** 20).toFixed(1)} GiB of it during the run`
      : '';
  return (
    ` The machine handed freed memory back to its host (free page reporting, \`page_reporting_order\` ${start.order}${handed}): ` +
    'memory touched again after that costs several times the system CPU, charged to whichever process touches it, so the ' +
    'large rows and their CPU carry that at random (bench/README.md, "Free page reporting").'
  );
}
