/**
 * The two commit-index bugs the fault sweep must catch, proven with a seed budget rather
 * than a pinned seed: from each of several starting seeds, a sweep of at most `budget`
 * seeds catches the variant. The budgets are several times the worst first catch
 * measured (over 29 starting seeds: `commitToLogEnd` under `small-batches` was caught
 * after 1 to 24 seeds, `lowerCommitIndex` under `mixed` always by the first seed), so a
 * harmless change to the random draws does not break these tests, while a change that
 * hides a bug does.
 */
import assert from "node:assert/strict";
import {
  RAFT_FAULT_PROFILES,
  raftFaultSweep,
  type RaftTrialFailure,
  type RaftUnsafeVariant,
} from "../../lib/consensus/mod.ts";

const STARTS = [1, 1001, 2001, 3001, 4001];

/** Sweeps from each start until the variant is caught; fails if a start exhausts `budget`. */
function assertCaughtWithin(
  variant: RaftUnsafeVariant,
  profile: string,
  budget: number,
): RaftTrialFailure[] {
  return STARTS.map((firstSeed) => {
    const result = raftFaultSweep({
      seeds: budget,
      firstSeed,
      profiles: [RAFT_FAULT_PROFILES[profile]!],
      params: { unsafe: variant },
    });
    const failure = result.failures[0];
    assert.ok(
      failure !== undefined,
      `${variant} not caught in ${budget} seeds of ${profile} from seed ${firstSeed}`,
    );
    return failure;
  });
}

/** Correct Raft over the same seeds (each start up to its catch) finds nothing. */
function assertCleanOnSameSeeds(profile: string, failures: readonly RaftTrialFailure[]): void {
  STARTS.forEach((firstSeed, i) => {
    const result = raftFaultSweep({
      seeds: failures[i]!.seed - firstSeed + 1,
      firstSeed,
      profiles: [RAFT_FAULT_PROFILES[profile]!],
    });
    assert.deepEqual(result.failures, [], `${profile} from seed ${firstSeed}`);
    assert.equal(result.unknown, 0);
  });
}

Deno.test("the small-batches sweep catches commitToLogEnd within 150 seeds, from every start", () => {
  const failures = assertCaughtWithin("commitToLogEnd", "small-batches", 150);
  for (const failure of failures) {
    // A follower committed (and applied) a stale entry past what the leader sent it.
    assert.equal(failure.kind, "safety");
    assert.equal(failure.invariant, "state machine safety");
    assert.match(failure.replay, /--param unsafe=commitToLogEnd/);
    assert.match(failure.replay, /--param maxEntriesPerMessage=1/);
  }
  assertCleanOnSameSeeds("small-batches", failures);
});

Deno.test("without small batches the same bug hides: 60 seeds of mixed do not catch commitToLogEnd", () => {
  // Why the profile exists: with up to 64 entries per AppendEntries, a follower almost
  // always receives everything up to the leader's commit index in one message.
  const result = raftFaultSweep({
    seeds: 60,
    profiles: [RAFT_FAULT_PROFILES.mixed!],
    params: { unsafe: "commitToLogEnd" },
  });
  assert.deepEqual(result.failures, []);
});

Deno.test("the monotonic commit invariant catches lowerCommitIndex within 20 seeds, from every start", () => {
  const failures = assertCaughtWithin("lowerCommitIndex", "mixed", 20);
  for (const failure of failures) {
    assert.equal(failure.kind, "safety");
    assert.equal(failure.invariant, "monotonic commit");
    assert.match(failure.message, /moved its commit index down from \d+ to \d+/);
  }
  assertCleanOnSameSeeds("mixed", failures);
});
