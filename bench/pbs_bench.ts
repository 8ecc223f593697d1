/**
 * Speed of the `pbs` experiment: 100,000 write-then-read trials of the quorum store in
 * the simulator at one setting (LNKD-SSD, N = 3, R = W = 1, t = 0), and the WARS Monte
 * Carlo at the same count.
 *
 * @module
 */
import { runPbsTrials, warsMonteCarlo, warsProfile } from "../lib/replication/pbs.ts";
import { Random } from "../lib/sim/random.ts";
import type { BenchReport } from "./report.ts";

let seed = 0;

Deno.bench({
  name: "pbs-100k",
  group: "pbs",
  n: 3,
  fn: () => {
    runPbsTrials({ profile: "lnkd-ssd", trials: 100_000 }, ++seed);
  },
});

Deno.bench({
  name: "wars-monte-carlo-100k",
  group: "pbs",
  n: 3,
  fn: () => {
    warsMonteCarlo(
      warsProfile("lnkd-ssd"),
      { n: 3, r: 1, w: 1, trials: 100_000 },
      new Random(++seed),
    );
  },
});

/** Seconds per 100,000 trials. */
export const REPORTS: readonly BenchReport[] = [
  {
    name: "pbs-100k",
    line: (meanNs) => ({ name: "pbs-100k", trials: 100_000, seconds: +(meanNs / 1e9).toFixed(2) }),
  },
  {
    name: "wars-monte-carlo-100k",
    line: (meanNs) => ({
      name: "wars-monte-carlo-100k",
      trials: 100_000,
      seconds: +(meanNs / 1e9).toFixed(3),
    }),
  },
];
