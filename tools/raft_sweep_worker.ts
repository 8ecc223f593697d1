/**
 * The body of a `deno task sweep:raft` worker: it runs the chunks of seeds it is sent with
 * the Raft fault sweep and posts back one small summary per trial. Seeds pick their fault
 * profile by `seed % profiles`, so a chunk runs exactly what the serial sweep runs for
 * those seeds.
 *
 * @module
 */
import {
  RAFT_FAULT_PROFILES,
  raftFaultSweep,
  type RaftKvParamsInput,
  type RaftTrialFailure,
} from "../lib/consensus/mod.ts";

/** A chunk of the sweep: consecutive seeds, the profiles' names and the shared parameters. */
export interface SweepChunk {
  /** The first seed of the chunk. */
  readonly firstSeed: number;
  /** How many seeds. */
  readonly seeds: number;
  /** The fault profiles to cycle through, by name. */
  readonly profiles: readonly string[];
  /** Parameters on top of every profile. */
  readonly params: RaftKvParamsInput;
}

/** What the main thread needs of one trial. */
export interface TrialSummary {
  /** The trial's seed. */
  readonly seed: number;
  /** Its fault profile. */
  readonly profile: string;
  /** Operations that completed ok. */
  readonly okOps: number;
  /** Operations whose outcome is unknown. */
  readonly infoOps: number;
  /** Recovery time after the faults, in ms (null: no recovery measured). */
  readonly recoveryMs: number | null;
  /** How it failed, if it did. */
  readonly failure: RaftTrialFailure | undefined;
}

/** Runs one chunk of seeds; one summary per trial, in seed order. */
export function runSweepChunk(chunk: SweepChunk): TrialSummary[] {
  const summaries: TrialSummary[] = [];
  raftFaultSweep({
    seeds: chunk.seeds,
    firstSeed: chunk.firstSeed,
    profiles: Object.fromEntries(chunk.profiles.map((name) => [name, RAFT_FAULT_PROFILES[name]!])),
    params: chunk.params,
    stopAtFirstFailure: false,
    onTrial: (result, profile) =>
      summaries.push({
        seed: result.seed,
        profile,
        okOps: result.row.okOps,
        infoOps: result.row.infoOps,
        recoveryMs: result.row.recoveryMs,
        failure: result.failure,
      }),
  });
  return summaries;
}

// Inside a worker (not when a test imports this module), answer each chunk posted.
const scope = globalThis as unknown as {
  onmessage?: ((event: MessageEvent<SweepChunk>) => void) | null;
  postMessage?: (message: unknown) => void;
};
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  scope.onmessage = (event) => scope.postMessage?.(runSweepChunk(event.data));
}
