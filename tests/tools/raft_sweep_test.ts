import assert from "node:assert/strict";
import { RAFT_FAULT_PROFILES, raftFaultSweep } from "../../lib/consensus/mod.ts";
import { runSweepChunk } from "../../tools/raft_sweep_worker.ts";
import { runTool } from "../run_tool.ts";

const PROFILES = Object.keys(RAFT_FAULT_PROFILES);

Deno.test("a sweep cut into chunks runs, seed for seed, the serial sweep's trials", () => {
  const serial = raftFaultSweep({
    seeds: 12,
    firstSeed: 5,
    profiles: RAFT_FAULT_PROFILES,
    stopAtFirstFailure: false,
  });
  const chunked = [
    ...runSweepChunk({ firstSeed: 5, seeds: 7, profiles: PROFILES, params: {} }),
    ...runSweepChunk({ firstSeed: 12, seeds: 5, profiles: PROFILES, params: {} }),
  ];
  assert.deepEqual(
    chunked.map(({ seed, profile, okOps, infoOps, recoveryMs }) => ({
      seed,
      profile,
      okOps,
      infoOps,
      recoveryMs,
    })),
    serial.rows.map(({ seed, profile, okOps, infoOps, recoveryMs }) => ({
      seed,
      profile,
      okOps,
      infoOps,
      recoveryMs,
    })),
  );
});

/** The report without its timing line, which is the only part allowed to differ. */
function report(stdout: string): string {
  return stdout.split("\n").filter((line) => !/ in [\d.]+ s on /.test(line)).join("\n");
}

Deno.test("sweep:raft reports the same runs on two workers as in one thread", async () => {
  const args = ["--seeds", "24", "--first", "3", "--unsafe", "voteWithoutLogCheck"];
  const serial = await runTool("tools/raft_sweep.ts", [...args, "--workers", "1"]);
  const parallel = await runTool("tools/raft_sweep.ts", [...args, "--workers", "2"]);
  assert.equal(serial.code, 0, serial.stderr);
  assert.equal(parallel.code, 0, parallel.stderr);
  assert.match(serial.stdout, /voteWithoutLogCheck: caught in [1-9]\d* of 24 runs, first at seed/);
  assert.equal(report(parallel.stdout), report(serial.stdout));
});

Deno.test("sweep:raft refuses a worker count that is not a whole number at least 1", async () => {
  const { code, stderr } = await runTool("tools/raft_sweep.ts", ["--workers", "0"]);
  assert.equal(code, 2);
  assert.match(stderr, /--workers must be a whole number/);
});
