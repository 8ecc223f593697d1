/**
 * `deno task sweep:raft`: the long Raft fault sweep, beyond the 1,000 seeds of the test
 * suite.
 *
 * ```sh
 * deno task sweep:raft                          # 20,000 seeds over every fault profile
 * deno task sweep:raft --seeds 5000 --first 100001
 * deno task sweep:raft --profile crash-storm --unsafe forgetVotedFor --seeds 2000
 * ```
 *
 * Seeds cycle through the fault profiles (`--profile` keeps one). Each failure is printed
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
  raftFaultSweep,
  type RaftKvParamsInput,
  type RaftTrialFailure,
} from "../lib/consensus/mod.ts";

/** The text `--help` prints. */
export const USAGE = `Usage: deno task sweep:raft [options]

Runs the Raft fault sweep: random fault schedules, invariants checked after every event,
every history checked for linearizability, liveness after the faults heal.

Options:
  --seeds N        how many seeds (default 20000)
  --first N        the first seed (default 1)
  --profile NAME   only this fault profile (${Object.keys(RAFT_FAULT_PROFILES).join(", ")})
  --unsafe NAME    run a broken variant (${RAFT_UNSAFE_VARIANTS.join(", ")}) and count catches
  --help           this text`;

interface Options {
  seeds: number;
  first: number;
  profile: string | undefined;
  unsafe: string | undefined;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = { seeds: 20_000, first: 1, profile: undefined, unsafe: undefined };
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
      case "--first": {
        const n = Number(value);
        if (!Number.isInteger(n) || n < (flag === "--seeds" ? 1 : 0)) {
          fail(`${flag} must be a whole number, got ${JSON.stringify(value)}`);
        }
        if (flag === "--seeds") options.seeds = n;
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
const profiles = Object.fromEntries(profileNames.map((name) => [name, RAFT_FAULT_PROFILES[name]!]));
const params: RaftKvParamsInput = options.unsafe === undefined ? {} : {
  unsafe: options.unsafe as RaftKvParamsInput["unsafe"],
  ...(options.unsafe === "commitPreviousTermByCount" ? { appendNoopOnElection: false } : {}),
};

const started = Date.now();
const failures: RaftTrialFailure[] = [];
const perProfile = new Map(profileNames.map((name) => [name, { trials: 0, failures: 0 }]));
let done = 0;
let okOps = 0, infoOps = 0, worstRecoveryMs = 0;
raftFaultSweep({
  seeds: options.seeds,
  firstSeed: options.first,
  profiles,
  params,
  stopAtFirstFailure: false,
  onTrial: (result, profile) => {
    done++;
    const tally = perProfile.get(profile)!;
    tally.trials++;
    okOps += result.row.okOps;
    infoOps += result.row.infoOps;
    worstRecoveryMs = Math.max(worstRecoveryMs, result.row.recoveryMs ?? 0);
    if (result.failure !== undefined) {
      tally.failures++;
      failures.push(result.failure);
      if (options.unsafe === undefined || failures.length <= 3) {
        console.error(`\n${describeTrialFailure(result.failure)}`);
      }
    }
    if (done % 1000 === 0 || done === options.seeds) {
      const seconds = (Date.now() - started) / 1000;
      console.error(
        `${done} of ${options.seeds} runs, ${failures.length} failed, ${seconds.toFixed(1)} s`,
      );
    }
  },
});

const seconds = (Date.now() - started) / 1000;
console.log(
  `${done} runs (seeds ${options.first} to ${options.first + options.seeds - 1}) in ` +
    `${seconds.toFixed(1)} s, ${(1000 * seconds / done).toFixed(1)} ms per run`,
);
for (const [name, tally] of perProfile) {
  console.log(`  ${name.padEnd(12)} ${tally.trials} runs, ${tally.failures} failed`);
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
