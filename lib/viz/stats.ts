/**
 * Summary statistics for the course's charts: quantiles, a summary of a sample, the
 * empirical CDF and bands over seeds, each as plain numbers or tidy rows, so a chapter
 * can assert on the same values a figure shows.
 *
 * @module
 */

/**
 * Reads a value from a row: a field name, or a function of the row and its index.
 *
 * @example
 * ```ts
 * const byField: Accessor<{ latencyMs: number }> = "latencyMs";
 * const computed: Accessor<{ endMs: number; startMs: number }> = (r) => r.endMs - r.startMs;
 * ```
 */
export type Accessor<T> = (keyof T & string) | ((row: T, index: number) => unknown);

/** The value of `accessor` for `row`. */
export function valueOf<T>(row: T, accessor: Accessor<T>, index: number): unknown {
  return typeof accessor === "function"
    ? accessor(row, index)
    : (row as Record<string, unknown>)[accessor];
}

/** A group key: what a `stroke` or `fill` accessor returned (undefined when there is none). */
export type GroupKey = string | number | boolean | undefined;

/**
 * The `q`-quantile of `values` (0 ≤ q ≤ 1), interpolating linearly between the two
 * nearest ranks (the method of NumPy's default and d3.quantile). NaN for no values.
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5); // 2.5
 * quantile([5, 1, 9], 1); // 9
 * ```
 */
export function quantile(values: readonly number[], q: number): number {
  checkLevel(q, "compute a quantile");
  return quantileSorted(sortedNumbers(values, "compute a quantile"), q);
}

/** Like {@link quantile}, for values already sorted ascending (not checked). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  checkLevel(q, "compute a quantile");
  const n = sorted.length;
  if (n === 0) return NaN;
  let position = (n - 1) * q;
  // (k / m) * m can land a hair below k; snap so order statistics come out exact.
  const nearest = Math.round(position);
  if (Math.abs(position - nearest) < 1e-9) position = nearest;
  const below = Math.floor(position);
  const low = sorted[below] as number;
  if (below >= n - 1) return sorted[n - 1] as number;
  const high = sorted[below + 1] as number;
  return low + (high - low) * (position - below);
}

/** What {@link summarize} reports about a sample. */
export interface Summary {
  /** How many values. */
  readonly n: number;
  /** Their mean (NaN when n is 0). */
  readonly mean: number;
  /** Sample standard deviation (n - 1 in the denominator; 0 when n is 1, NaN when 0). */
  readonly sd: number;
  /** The smallest value. */
  readonly min: number;
  /** 25th percentile. */
  readonly p25: number;
  /** The median. */
  readonly p50: number;
  /** 75th percentile. */
  readonly p75: number;
  /** 90th percentile. */
  readonly p90: number;
  /** 95th percentile. */
  readonly p95: number;
  /** 99th percentile. */
  readonly p99: number;
  /** 99.9th percentile. */
  readonly p999: number;
  /** The largest value. */
  readonly max: number;
}

/**
 * Count, mean, standard deviation, extremes and the usual percentiles of a sample
 * (percentiles as in {@link quantile}).
 *
 * @example
 * ```ts
 * const rows = [{ latencyMs: 3 }, { latencyMs: 5 }, { latencyMs: 4 }, { latencyMs: 12 }];
 * const { p50, p99, max } = summarize(rows.map((r) => r.latencyMs)); // max is 12
 * ```
 */
export function summarize(values: readonly number[]): Summary {
  const sorted = sortedNumbers(values, "summarize values");
  const n = sorted.length;
  let sum = 0;
  for (const value of sorted) sum += value;
  const mean = n === 0 ? NaN : sum / n;
  let squares = 0;
  for (const value of sorted) squares += (value - mean) ** 2;
  const at = (q: number) => quantileSorted(sorted, q);
  return {
    n,
    mean,
    sd: n === 0 ? NaN : n === 1 ? 0 : Math.sqrt(squares / (n - 1)),
    min: n === 0 ? NaN : sorted[0] as number,
    p25: at(0.25),
    p50: at(0.5),
    p75: at(0.75),
    p90: at(0.9),
    p95: at(0.95),
    p99: at(0.99),
    p999: at(0.999),
    max: n === 0 ? NaN : sorted[n - 1] as number,
  };
}

/**
 * A short name for a quantile level: 0.5 → "p50", 0.99 → "p99", 0.999 → "p99.9".
 *
 * @example
 * ```ts
 * percentileName(0.999); // "p99.9"
 * ```
 */
export function percentileName(q: number): string {
  checkLevel(q, "name a percentile");
  return `p${Number((q * 100).toFixed(6))}`;
}

/** One point of an empirical CDF. */
export interface EcdfRow {
  /** The group (the `stroke` value), or undefined for a single curve. */
  readonly group: GroupKey;
  /** A value of the sample. */
  readonly value: number;
  /** The fraction of the group's values at or below `value`. */
  readonly p: number;
}

/** Options of {@link ecdfRows}. */
export interface EcdfOptions<T> {
  /** The measured value of each row. Rows where it is null or undefined are skipped. */
  readonly x: Accessor<T>;
  /** One curve per distinct value of this (say, the configuration or the seed). */
  readonly stroke?: Accessor<T>;
  /**
   * Most points per curve (default 1000). A larger sample is thinned to evenly spaced
   * ranks, which moves the curve by at most 1/maxPoints: invisible, and the markup stays
   * small.
   */
  readonly maxPoints?: number;
  /**
   * What a row without a value (null or undefined x) means. `"skip"` (default): it is
   * not part of the sample. `"count"`: it is an outcome that never came (a trial that
   * elected no leader, a request never answered); it counts in its group's total, so the
   * curve is the fraction of *all* rows at or below each value and stays below 1.
   */
  readonly missing?: "skip" | "count";
}

/**
 * The empirical CDF of each group as tidy rows, ready for a step line: a first point
 * at probability 0, then (value, fraction ≤ value) in increasing order. With
 * `missing: "count"`, the fraction is of all the group's rows, those without a value
 * included.
 *
 * @example
 * ```ts
 * const rows = ecdfRows([{ ms: 3 }, { ms: 1 }], { x: "ms" });
 * // [{ group: undefined, value: 1, p: 0 }, { ..., value: 1, p: 0.5 }, { ..., value: 3, p: 1 }]
 * ```
 */
export function ecdfRows<T>(rows: readonly T[], options: EcdfOptions<T>): EcdfRow[] {
  const maxPoints = options.maxPoints ?? 1000;
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new RangeError(
      `Cannot thin a CDF to ${maxPoints} points: maxPoints must be a whole number at least 2`,
    );
  }
  const totals = new Map<GroupKey, number>();
  if (options.missing === "count") {
    rows.forEach((row, index) => {
      const group = groupOf(row, options.stroke, index, "draw a CDF");
      totals.set(group, (totals.get(group) ?? 0) + 1);
    });
  }
  const out: EcdfRow[] = [];
  for (const [group, values] of groupValues(rows, options.x, options.stroke, "draw a CDF")) {
    const sorted = Float64Array.from(values).sort();
    const n = sorted.length;
    const total = totals.get(group) ?? n;
    out.push({ group, value: sorted[0] as number, p: 0 });
    if (n <= maxPoints) {
      for (let i = 0; i < n; i++) {
        out.push({ group, value: sorted[i] as number, p: (i + 1) / total });
      }
    } else {
      for (let j = 0; j < maxPoints; j++) {
        const rank = Math.round((j * (n - 1)) / (maxPoints - 1));
        out.push({ group, value: sorted[rank] as number, p: (rank + 1) / total });
      }
    }
  }
  return out;
}

/** How a band summarises the spread of y over seeds. */
export type BandKind =
  /** From the smallest to the largest value: every run lies inside. */
  | "minmax"
  /** From the 25th to the 75th percentile: the middle half of the runs. */
  | "iqr"
  /** The 95% confidence interval of the mean (Student's t): where the mean likely lies. */
  | "ci95";

/** One point of a metric-versus-parameter line: the summary of y at one x in one group. */
export interface BandRow {
  /** The parameter value. */
  readonly x: number | string;
  /** The group (the `stroke` value), or undefined for a single line. */
  readonly group: GroupKey;
  /** How many runs (rows) at this x. */
  readonly n: number;
  /** Mean of y: the line. */
  readonly mean: number;
  /** Median of y. */
  readonly median: number;
  /** Smallest y. */
  readonly min: number;
  /** Largest y. */
  readonly max: number;
  /** Lower edge of the band (the mean itself when there is no band). */
  readonly lo: number;
  /** Upper edge of the band. */
  readonly hi: number;
}

/** Options of {@link bandRows}. */
export interface BandOptions<T> {
  /** The parameter (a number or a category). */
  readonly x: Accessor<T>;
  /** The metric. Rows where it is null or undefined are skipped. */
  readonly y: Accessor<T>;
  /** One line per distinct value of this. */
  readonly stroke?: Accessor<T>;
  /** The band around the mean: "minmax" (default), "iqr", "ci95", or false for none. */
  readonly band?: BandKind | false;
}

/**
 * Groups rows by x (and stroke) and summarises y in each group: mean, median, extremes
 * and the band's edges. Rows come out by group, then by x (numbers ascending, other
 * values in order of first appearance).
 *
 * @example
 * ```ts
 * const rows = [{ loss: 0.1, ms: 10 }, { loss: 0.1, ms: 14 }, { loss: 0.2, ms: 30 }];
 * bandRows(rows, { x: "loss", y: "ms" });
 * // [{ x: 0.1, n: 2, mean: 12, lo: 10, hi: 14, ... }, { x: 0.2, n: 1, mean: 30, ... }]
 * ```
 */
export function bandRows<T>(rows: readonly T[], options: BandOptions<T>): BandRow[] {
  const band = options.band ?? "minmax";
  if (band !== false && band !== "minmax" && band !== "iqr" && band !== "ci95") {
    throw new TypeError(
      `Cannot summarise a band ${JSON.stringify(band)}: use "minmax", "iqr", "ci95" or false`,
    );
  }
  const cells = new Map<GroupKey, Map<number | string, number[]>>();
  rows.forEach((row, index) => {
    const y = valueOf(row, options.y, index);
    if (y === undefined || y === null) return;
    const x = valueOf(row, options.x, index);
    if (typeof x !== "number" && typeof x !== "string") {
      throw new TypeError(
        `Cannot summarise rows[${index}]: x must be a number or a string, got ${describe(x)}`,
      );
    }
    const group = groupOf(row, options.stroke, index, "summarise");
    const value = finite(y, index, "summarise");
    let byX = cells.get(group);
    if (byX === undefined) cells.set(group, byX = new Map());
    let ys = byX.get(x);
    if (ys === undefined) byX.set(x, ys = []);
    ys.push(value);
  });
  const out: BandRow[] = [];
  for (const [group, byX] of cells) {
    const xs = [...byX.keys()];
    if (xs.every((x) => typeof x === "number")) (xs as number[]).sort((a, b) => a - b);
    for (const x of xs) {
      const summary = summarize(byX.get(x) as number[]);
      const [lo, hi] = bandEdges(summary, band);
      out.push({
        x,
        group,
        n: summary.n,
        mean: summary.mean,
        median: summary.p50,
        min: summary.min,
        max: summary.max,
        lo,
        hi,
      });
    }
  }
  return out;
}

function bandEdges(summary: Summary, band: BandKind | false): [number, number] {
  switch (band) {
    case "minmax":
      return [summary.min, summary.max];
    case "iqr":
      return [summary.p25, summary.p75];
    case "ci95": {
      if (summary.n < 2) return [summary.mean, summary.mean];
      const half = studentT975(summary.n - 1) * summary.sd / Math.sqrt(summary.n);
      return [summary.mean - half, summary.mean + half];
    }
    case false:
      return [summary.mean, summary.mean];
  }
}

// Two-sided 95% critical values of Student's t for 1 to 30 degrees of freedom.
const T975 = [
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228,
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086,
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
  2.042,
];

/** The 97.5th percentile of Student's t with `df` degrees of freedom. */
export function studentT975(df: number): number {
  if (!Number.isInteger(df) || df < 1) {
    throw new RangeError(
      `Cannot look up Student's t for ${df} degrees of freedom: need a whole number at least 1`,
    );
  }
  if (df <= T975.length) return T975[df - 1] as number;
  // Cornish-Fisher expansion around the normal quantile: within 1e-4 beyond 30 df.
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/** The values of `x` for each group of `stroke`, groups in order of first appearance. */
export function groupValues<T>(
  rows: readonly T[],
  x: Accessor<T>,
  stroke: Accessor<T> | undefined,
  action: string,
): Map<GroupKey, number[]> {
  const groups = new Map<GroupKey, number[]>();
  rows.forEach((row, index) => {
    const raw = valueOf(row, x, index);
    if (raw === undefined || raw === null) return;
    const value = finite(raw, index, action);
    const group = groupOf(row, stroke, index, action);
    let values = groups.get(group);
    if (values === undefined) groups.set(group, values = []);
    values.push(value);
  });
  return groups;
}

function groupOf<T>(
  row: T,
  accessor: Accessor<T> | undefined,
  index: number,
  action: string,
): GroupKey {
  if (accessor === undefined) return undefined;
  const key = valueOf(row, accessor, index);
  if (
    key === undefined || typeof key === "string" || typeof key === "number" ||
    typeof key === "boolean"
  ) return key;
  if (key === null) return undefined;
  throw new TypeError(
    `Cannot ${action}: the group of rows[${index}] must be a string, number or boolean, got ${
      describe(key)
    }`,
  );
}

function finite(value: unknown, index: number, action: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(
      `Cannot ${action}: rows[${index}] has ${describe(value)} where a finite number belongs`,
    );
  }
  return value;
}

function sortedNumbers(values: readonly number[], action: string): Float64Array {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw new TypeError(`Cannot ${action}: expected an array of numbers, got ${describe(values)}`);
  }
  const sorted = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(
        `Cannot ${action}: values[${i}] is ${describe(value)}, not a finite number`,
      );
    }
    sorted[i] = value;
  }
  return sorted.sort();
}

function checkLevel(q: number, action: string): void {
  if (typeof q !== "number" || !(q >= 0 && q <= 1)) {
    throw new RangeError(`Cannot ${action} at level ${q}: the level must be between 0 and 1`);
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (
    typeof value === "number" || typeof value === "boolean" || value === null || value === undefined
  ) {
    return String(value);
  }
  return Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : typeof value;
}
