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
  /** The line to print, given the benchmark's mean time per iteration in nanoseconds. */
  readonly line: (meanNs: number) => Record<string, unknown>;
}
