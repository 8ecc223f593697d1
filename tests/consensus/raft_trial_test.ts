import assert from "node:assert/strict";
import { ConfigError } from "../../lib/mod.ts";
import {
  describeTrialFailure,
  RAFT_FAULT_PROFILES,
  raftFaultSweep,
  runRaftTrial,
} from "../../lib/consensus/mod.ts";

Deno.test("runRaftTrial without faults completes every operation, linearizably", () => {
  const trial = runRaftTrial({ faultsPerSecond: 0 }, 1);
  assert.equal(trial.failure, undefined);
  assert.deepEqual(trial.faults, []);
  assert.equal(trial.row.infoOps, 0);
  assert.equal(trial.row.okOps + trial.row.failOps, 60, "3 clients × 20 operations");
  assert.equal(trial.row.linearizable, true);
  assert.equal(trial.row.elections, 1);
  assert.ok(trial.row.throughputOpsPerSec > 0);
});

Deno.test("runRaftTrial under faults records the faults it applied and recovers after them", () => {
  const trial = runRaftTrial({}, 2);
  assert.equal(trial.failure, undefined);
  assert.ok(trial.faults.length > 4, `${trial.faults.length} faults`);
  assert.ok(trial.faults.some((f) => f.kind === "heal" || f.kind === "restart"));
  assert.ok(trial.row.recoveryMs !== null && trial.row.recoveryMs < 5000);
  assert.ok(trial.row.elections >= 1);
});

Deno.test("runRaftTrial is a function of its parameters and seed", () => {
  const a = runRaftTrial({}, 11), b = runRaftTrial({}, 11), c = runRaftTrial({}, 12);
  assert.deepEqual(a.row, b.row);
  assert.deepEqual(a.history, b.history);
  assert.notDeepEqual(a.history, c.history);
});

Deno.test("runRaftTrial names a bad parameter and its rule", () => {
  assert.throws(
    () => runRaftTrial({ servers: 0 }, 1),
    (error: unknown) =>
      error instanceof ConfigError && /params\.servers: must be at least 1/.test(error.message),
  );
  assert.throws(
    () => runRaftTrial({ electionTimeoutMinMs: 90, electionTimeoutMaxMs: 80 }, 1),
    /params\.electionTimeoutMaxMs: must be at least electionTimeoutMinMs/,
  );
});

Deno.test("raftFaultSweep gives each seed its profile and stops at the first failure", () => {
  const profiles = [RAFT_FAULT_PROFILES.mixed!, { ...RAFT_FAULT_PROFILES.options! }];
  const clean = raftFaultSweep({ seeds: 4, profiles });
  assert.deepEqual(clean.rows.map((row) => row.seed), [1, 2, 3, 4]);
  assert.deepEqual(clean.failures, []);
  const broken = raftFaultSweep({ seeds: 50, params: { unsafe: "voteWithoutLogCheck" } });
  assert.equal(broken.failures.length, 1);
  assert.equal(broken.trials, broken.failures[0]!.seed, "it stopped at the failing seed");
  const all = raftFaultSweep({
    seeds: 20,
    params: { unsafe: "voteWithoutLogCheck" },
    stopAtFirstFailure: false,
  });
  assert.equal(all.trials, 20);
  assert.ok(all.failures.length > 1);
});

Deno.test("describeTrialFailure says what broke, where, what came before, and how to replay it", () => {
  const [failure] = raftFaultSweep({ seeds: 50, params: { unsafe: "voteWithoutLogCheck" } })
    .failures;
  const seed = failure!.seed;
  const text = describeTrialFailure(failure!);
  assert.match(
    text,
    new RegExp(`^safety \\(leader completeness\\), seed ${seed} at [\\d.]+ ms: Invariant`),
  );
  assert.match(
    text,
    /\n {2}last records:\n {4}/,
    "the trace before the failure, recorded on a re-run",
  );
  assert.ok(
    text.endsWith(
      `\n  replay: deno task exp run raft-kv --seed ${seed} --param unsafe=voteWithoutLogCheck`,
    ),
  );
});

Deno.test("raftFaultSweep rows carry the seed's profile name", () => {
  const result = raftFaultSweep({ seeds: 3, profiles: RAFT_FAULT_PROFILES });
  const names = Object.keys(RAFT_FAULT_PROFILES);
  assert.deepEqual(result.rows.map((row) => row.profile), [1, 2, 3].map((s) => names[s % 5]));
});
