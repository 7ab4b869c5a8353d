/**
 * Free page reporting: a virtual machine's guest handing the memory it frees back to its
 * host (virtio-balloon). A page handed back faults into the host when the guest touches it
 * again, and the guest's thread waits meanwhile: on the 2-core machine the race was tuned
 * on, writing 2 GiB to a new tmpfs file took up to 5.3 s of system CPU into pages handed
 * back, 0.54-0.63 s into pages the guest kept. That cost lands on whichever process touches
 * the pages first (a download's new file, a server's heap, a client's buffers), so with
 * reporting on the large rows and their CPU carry it at random. The race records the
 * setting and what was handed back during the run (see bench/README.md).
 */
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
  const { start, end } = meta.pageReporting ?? {};
  if (start === undefined) return '';
  if (!reportingOn(start, end))
    return (
      ` Free page reporting to the host was off (\`page_reporting_order\` ${start.order}): memory the machine ` +
      'freed stayed the guest\'s, so no row paid for memory handed back to the host (bench/README.md, "Free page reporting").'
    );
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
