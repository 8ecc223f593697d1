/**
 * How a benchmark turns its measured time into the one JSON line `deno task bench`
 * prints for it. Each `bench/*_bench.ts` file exports `REPORTS`.
 *
 * @module
 */

/** The JSON line of one benchmark. */
export interface BenchReport {
  /** The `Deno.bench` name this report reads. */
  readonly name: string;
  /**
   * Another report's name: when both ran, the line also carries `vs_baseline`, this
   * benchmark's speed as a fraction of that one's (mean time of the baseline over this).
   */
  readonly baseline?: string;
  /**
   * The least `vs_baseline` this benchmark aims for: the line then also carries it as
   * `target_vs_baseline` and `meets_target`, and the summary on stderr says so.
   */
  readonly targetVsBaseline?: number;
  /** The line to print, given the benchmark's mean time per iteration in nanoseconds. */
  readonly line: (meanNs: number) => Record<string, unknown>;
}
