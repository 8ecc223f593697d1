/**
 * `deno task sweep:raft`: the long Raft fault sweep, beyond the 1,000 seeds of the test
 * suite.
 *
 * ```sh
 * deno task sweep:raft                          # 20,000 seeds over every fault profile
 * deno task sweep:raft --seeds 5000 --first 100001
 * deno task sweep:raft --profile crash-storm --unsafe forgetVotedFor --seeds 2000
 * deno task sweep:raft --workers 1              # in this thread, for a profiler
 * ```
 *
 * Seeds cycle through the fault profiles (`--profile` keeps one). The seeds run on Web
 * Workers, one per core by default, in chunks of consecutive seeds; each seed's trial is
 * the same wherever it runs, so only the time changes. Each failure is printed
 * with its seed and the command that replays it. With `--unsafe`, failures are the point:
 * the summary says how often the sweep catches the broken variant. Exit status: 0 when
 * no run failed (or, with `--unsafe`, when at least one did), 1 otherwise, 2 for a bad
 * command line.
 *
 * @module
 */
import {
  describeTrialFailure,
  RAFT_FAULT_PROFILES,
  RAFT_UNSAFE_VARIANTS,
  type RaftKvParamsInput,
  type RaftTrialFailure,
} from "../lib/consensus/mod.ts";
import { runSweepChunk, type SweepChunk, type TrialSummary } from "./raft_sweep_worker.ts";

/** Most seeds a worker receives at a time: small enough to balance, large enough to be cheap. */
const CHUNK_SEEDS = 50;

/** The text `--help` prints. */
export const USAGE = `Usage: deno task sweep:raft [options]

Runs the Raft fault sweep: random fault schedules, invariants checked after every event,
every history checked for linearizability, liveness after the faults heal.

Options:
  --seeds N        how many seeds (default 20000)
  --first N        the first seed (default 1)
  --profile NAME   only this fault profile (${Object.keys(RAFT_FAULT_PROFILES).join(", ")})
  --unsafe NAME    run a broken variant (${RAFT_UNSAFE_VARIANTS.join(", ")}) and count catches
  --workers N      run on N Web Workers (default: the machine's logical cores; 1 runs in
                   this thread). Every seed runs the same trial whatever the count.
  --help           this text`;

interface Options {
  seeds: number;
  first: number;
  profile: string | undefined;
  unsafe: string | undefined;
  workers: number;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = {
    seeds: 20_000,
    first: 1,
    profile: undefined,
    unsafe: undefined,
    workers: navigator.hardwareConcurrency ?? 1,
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const value = args[i + 1];
    if (flag === "--help") {
      console.log(USAGE);
      Deno.exit(0);
    }
    if (value === undefined) fail(`${flag} needs a value`);
    i++;
    switch (flag) {
      case "--seeds":
      case "--workers":
      case "--first": {
        const n = Number(value);
        if (!Number.isInteger(n) || n < (flag === "--first" ? 0 : 1)) {
          fail(`${flag} must be a whole number, got ${JSON.stringify(value)}`);
        }
        if (flag === "--seeds") options.seeds = n;
        else if (flag === "--workers") options.workers = n;
        else options.first = n;
        break;
      }
      case "--profile":
        if (!(value in RAFT_FAULT_PROFILES)) fail(`unknown profile ${JSON.stringify(value)}`);
        options.profile = value;
        break;
      case "--unsafe":
        if (!(RAFT_UNSAFE_VARIANTS as readonly string[]).includes(value)) {
          fail(`unknown variant ${JSON.stringify(value)}`);
        }
        options.unsafe = value;
        break;
      default:
        fail(`unknown option ${JSON.stringify(flag)}`);
    }
  }
  return options;
}

function fail(reason: string): never {
  console.error(`Cannot parse arguments: ${reason}\n\n${USAGE}`);
  Deno.exit(2);
}

const options = parseArgs(Deno.args);
const profileNames = options.profile === undefined
  ? Object.keys(RAFT_FAULT_PROFILES)
  : [options.profile];
const params: RaftKvParamsInput = options.unsafe === undefined ? {} : {
  unsafe: options.unsafe as RaftKvParamsInput["unsafe"],
  ...(options.unsafe === "commitPreviousTermByCount" ? { appendNoopOnElection: false } : {}),
};

const started = Date.now();
const failures: RaftTrialFailure[] = [];
const perProfile = new Map(profileNames.map((name) => [name, { trials: 0, failures: 0 }]));
let done = 0;
let okOps = 0, infoOps = 0, worstRecoveryMs = 0;
let failuresPrinted = 0;

/** Tallies one trial and prints its failure (all of them, or the first three of a broken variant). */
function tally(summary: TrialSummary): void {
  done++;
  const counts = perProfile.get(summary.profile)!;
  counts.trials++;
  okOps += summary.okOps;
  infoOps += summary.infoOps;
  worstRecoveryMs = Math.max(worstRecoveryMs, summary.recoveryMs ?? 0);
  if (summary.failure !== undefined) {
    counts.failures++;
    failures.push(summary.failure);
    if (options.unsafe === undefined || failuresPrinted < 3) {
      failuresPrinted++;
      console.error(`\n${describeTrialFailure(summary.failure)}`);
    }
  }
  if (done % 1000 === 0 || done === options.seeds) {
    const seconds = (Date.now() - started) / 1000;
    console.error(
      `${done} of ${options.seeds} runs, ${failures.length} failed, ${seconds.toFixed(1)} s`,
    );
  }
}

/** The sweep cut into chunks of consecutive seeds, handed out to workers as they finish. */
function chunks(): SweepChunk[] {
  const size = Math.max(1, Math.min(CHUNK_SEEDS, Math.ceil(options.seeds / options.workers)));
  const list: SweepChunk[] = [];
  for (let offset = 0; offset < options.seeds; offset += size) {
    list.push({
      firstSeed: options.first + offset,
      seeds: Math.min(size, options.seeds - offset),
      profiles: profileNames,
      params,
    });
  }
  return list;
}

/** Runs every chunk on `options.workers` workers (or in this thread for one worker). */
async function runChunks(): Promise<void> {
  const queue = chunks();
  if (options.workers === 1) {
    for (const chunk of queue) runSweepChunk(chunk).forEach(tally);
    return;
  }
  const url = new URL("./raft_sweep_worker.ts", import.meta.url);
  const workers = Array.from(
    { length: Math.min(options.workers, queue.length) },
    () => new Worker(url, { type: "module" }),
  );
  await Promise.all(workers.map((worker) =>
    new Promise<void>((resolve, reject) => {
      const next = () => {
        const chunk = queue.shift();
        if (chunk === undefined) {
          worker.terminate();
          resolve();
        } else worker.postMessage(chunk);
      };
      worker.onmessage = (event: MessageEvent<TrialSummary[]>) => {
        event.data.forEach(tally);
        next();
      };
      worker.onerror = (event) => {
        event.preventDefault();
        workers.forEach((other) => other.terminate());
        reject(new Error(`Cannot run the sweep: a worker failed: ${event.message}`));
      };
      next();
    })
  ));
}

await runChunks();
// Workers finish in any order; the report lists failures by seed, as the serial sweep would.
failures.sort((a, b) => a.seed - b.seed);

const seconds = (Date.now() - started) / 1000;
console.log(
  `${done} runs (seeds ${options.first} to ${options.first + options.seeds - 1}) in ` +
    `${seconds.toFixed(1)} s on ${options.workers} worker${options.workers === 1 ? "" : "s"}, ` +
    `${(1000 * seconds / done).toFixed(1)} ms per run`,
);
for (const [name, counts] of perProfile) {
  console.log(`  ${name.padEnd(12)} ${counts.trials} runs, ${counts.failures} failed`);
}
console.log(
  `  operations: ${okOps} ok, ${infoOps} unknown; slowest recovery after the faults: ` +
    `${worstRecoveryMs.toFixed(0)} ms`,
);
if (options.unsafe !== undefined) {
  const first = failures[0];
  console.log(
    `${options.unsafe}: caught in ${failures.length} of ${done} runs` +
      (first === undefined ? "" : `, first at seed ${first.seed}\n  replay: ${first.replay}`),
  );
  Deno.exit(failures.length > 0 ? 0 : 1);
}
Deno.exit(failures.length === 0 ? 0 : 1);
