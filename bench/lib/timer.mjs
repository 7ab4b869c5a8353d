/** Seconds since `t0` (a `process.hrtime.bigint()`). */
export function since(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export const now = () => process.hrtime.bigint();
