import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/mod.ts";
import { findExperiment } from "../../lib/experiments/mod.ts";
import { caughtWithin, faultSweep, runTrial } from "../../lib/testing/mod.ts";
import { atomicCommit, atomicCommitTrial } from "../../lib/transactions/mod.ts";

const trial = atomicCommitTrial();

Deno.test("atomic-commit is registered and rejects a timeout shorter than a round trip", () => {
  assert.equal(findExperiment("atomic-commit"), atomicCommit);
  assert.throws(
    () => runTrial(trial, { timeoutMs: 8, maxLatencyMs: 5 }, 1),
    (error: unknown) => error instanceof ConfigError && /timeoutMs/.test(error.message),
  );
  assert.throws(
    () => runTrial(trial, { protocol: "4pc" as "2pc" }, 1),
    (error: unknown) => error instanceof ConfigError && /protocol/.test(error.message),
  );
});

Deno.test("atomic-commit: the same seed gives the same row, for every protocol", () => {
  for (const protocol of ["2pc", "3pc", "2pc-raft"] as const) {
    const a = runTrial(trial, { protocol }, 7).row;
    const b = runTrial(trial, { protocol }, 7).row;
    assert.deepEqual(a, b);
    assert.ok(a.transactions > 10, `${protocol} ran ${a.transactions} transactions`);
  }
});

Deno.test("atomic-commit without faults: every protocol commits most transactions and never waits long", () => {
  for (const protocol of ["2pc", "3pc", "2pc-raft"] as const) {
    const row = runTrial(trial, { protocol, faults: "none" }, 3).row;
    assert.equal(row.failure, null);
    assert.equal(row.atomic, true);
    // Three participants each voting yes with probability 0.9: about 73% commit.
    assert.ok(
      row.committed / row.transactions > 0.5,
      `${protocol}: ${row.committed}/${row.transactions}`,
    );
    // A few message delays of at most 5 ms (and, over Raft, a few replication rounds).
    assert.ok(row.blockedMs < 100, `${protocol} waited ${row.blockedMs} ms`);
  }
});

Deno.test("2PC blocks: every wait still open when its coordinator crashed ends only after the restart", () => {
  const { rows } = faultSweep(trial, { seeds: 150, params: { protocol: "2pc" } });
  const during = rows.reduce((sum, row) => sum + row.waitsDuringCoordinatorCrash, 0);
  const outlasting = rows.reduce((sum, row) => sum + row.waitsOutlastingCoordinatorCrash, 0);
  assert.ok(during >= 50, `only ${during} waits met a coordinator crash`);
  assert.equal(outlasting, during);
});

Deno.test("3PC does not block: most waits at a coordinator crash end before it restarts", () => {
  const { rows, failures } = faultSweep(trial, { seeds: 150, params: { protocol: "3pc" } });
  assert.equal(failures.length, 0);
  const during = rows.reduce((sum, row) => sum + row.waitsDuringCoordinatorCrash, 0);
  const outlasting = rows.reduce((sum, row) => sum + row.waitsOutlastingCoordinatorCrash, 0);
  assert.ok(during >= 50, `only ${during} waits met a coordinator crash`);
  // Those that do outlast it are waits on very short crashes (exponential lengths).
  assert.ok(outlasting / during < 0.3, `${outlasting} of ${during} outlasted the crash`);
});

Deno.test("3PC is not atomic under partitions: a sweep finds a split decision within 60 seeds", () => {
  const failure = caughtWithin(trial, 60, {
    params: { protocol: "3pc", faults: "partitions" },
    excerpt: false,
  });
  assert.equal(failure.invariant, "atomicity");
  assert.match(failure.message, /committed but p\d aborted/);
});

Deno.test("broken 2PC participant that aborts alone after voting yes is caught within 60 seeds", () => {
  const failure = caughtWithin(trial, 60, {
    params: { protocol: "2pc", faults: "partitions", unsafeAbortAfterMs: 50 },
    excerpt: false,
  });
  assert.equal(failure.invariant, "atomicity");
});

Deno.test("broken 2PC coordinator that sends its decision before logging it is caught within 60 seeds", () => {
  const failure = caughtWithin(trial, 60, {
    params: { protocol: "2pc", unsafeSendBeforeLog: true },
    excerpt: false,
  });
  assert.equal(failure.invariant, "decisions never change");
});

Deno.test("broken 2PC over Raft, a coordinator leader that presumes abort before deciding, is caught within 60 seeds", () => {
  const failure = caughtWithin(trial, 60, {
    params: { protocol: "2pc-raft", unsafePresumeAbort: true },
    excerpt: false,
  });
  assert.equal(failure.invariant, "atomicity");
});
