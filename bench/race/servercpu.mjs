/**
 * CPU the server spent, read from /proc: the user and system time of a process and all its
 * descendants (every thread of each), so that a server started through a guard shell or a
 * launcher is counted whole. Linux only; undefined elsewhere or once the process is gone.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ, 100 on every Linux this runs on). */
const TICKS = 100;

/** `[pid, ppid, ticks]` of every process /proc lists; those that vanish while read are left out. */
function processes() {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push([Number(entry), Number(f[1]), Number(f[11]) + Number(f[12])]);
    } catch {
      // Gone while read.
    }
  }
  return out;
}

/** CPU seconds of `pid` and its descendants so far; undefined when it is not running or /proc is not there. */
export function treeCpuSeconds(pid) {
  if (!Number.isInteger(pid)) return undefined;
  let all;
  try {
    all = processes();
  } catch {
    return undefined;
  }
  if (!all.some(([p]) => p === pid)) return undefined;
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, parent] of all)
      if (!tree.has(p) && tree.has(parent)) {
        tree.add(p);
        grew = true;
      }
  }
  return all.reduce((sum, [p, , ticks]) => (tree.has(p) ? sum + ticks : sum), 0) / TICKS;
}
