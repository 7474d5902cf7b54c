/**
 * Fixed latency buckets shared by the stats table (one column per bucket) and the
 * percentile estimate. Fixed bounds let SQLite sum histograms across rows with plain SUM(),
 * so a year of daily rows answers in one aggregate query.
 */

/** Upper bounds (inclusive) in milliseconds; a last, open bucket follows the final bound. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1_000, 1_500, 2_000, 3_000, 5_000, 7_000, 10_000, 15_000, 20_000, 30_000, 50_000, 70_000,
  100_000, 150_000, 200_000, 300_000, 600_000,
];

/** Number of buckets, the open one included. */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

export function latencyBucket(ms: number): number {
  // Linear scan: 35 comparisons at most, cheaper than a binary search's branches at this size.
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]) return i;
  return LATENCY_BOUNDS_MS.length;
}

/**
 * The q-quantile (0..1) of a bucketed distribution, interpolated linearly inside its bucket
 * and clamped to the observed min/max (so a constant latency comes back exactly).
 * Null when there are no samples.
 */
export function percentileFromBuckets(counts: readonly number[], q: number, minMs: number, maxMs: number): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c === 0) continue;
    if (cum + c >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
      const upper = i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i] : Math.max(maxMs, lower);
      const value = lower + ((upper - lower) * (rank - cum)) / c;
      return Math.round(Math.min(Math.max(value, minMs), maxMs));
    }
    cum += c;
  }
  return Math.round(maxMs);
}
