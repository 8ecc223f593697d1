/**
 * PACELC measured: without any fault, linearizable reads cost at least a wide-area round
 * trip, local reads a local one, and local reads are not linearizable in most seeds.
 */
import assert from "node:assert/strict";
import { PACELC_READS, type PacelcRow, simulatePacelc } from "../../lib/cap/mod.ts";
import { pacelcLatency } from "../../lib/experiments/mod.ts";

const SEEDS = 20;
const measured = new Map<string, PacelcRow[]>(
  PACELC_READS.map((reads) => [
    reads,
    Array.from({ length: SEEDS }, (_, i) => simulatePacelc({ reads }, i + 1).row),
  ]),
);

Deno.test("linearizable read paths stay linearizable and pay a wide-area round trip", () => {
  // Defaults: one-way 30 ms ± 50% between sites, so a round trip is at least 30 ms.
  for (const reads of ["raft-read-index", "raft-log", "quorum"]) {
    for (const row of measured.get(reads)!) {
      assert.equal(row.linearizable, true, reads);
      assert.equal(row.staleReads, 0, reads);
      assert.ok(row.readP50Ms >= 30, `${reads}: median read ${row.readP50Ms} ms`);
    }
  }
});

Deno.test("local reads take a local round trip and are not linearizable in most seeds", () => {
  const local = measured.get("local")!;
  // A round trip inside a site: at most 2 × 1 ms × 1.5.
  for (const row of local) assert.ok(row.readP50Ms <= 3, `median read ${row.readP50Ms} ms`);
  // Measured: 15 of 20 refuted; at least half leaves room for quiet seeds.
  const refuted = local.filter((r) => r.linearizable === false).length;
  assert.ok(refuted >= SEEDS / 2, `${refuted} of ${SEEDS} seeds not linearizable`);
});

Deno.test("pacelc-latency validates its parameters and is a function of its seed", () => {
  assert.throws(() => pacelcLatency.run({ wanMs: -1 }, 1), /params\.wanMs/);
  assert.deepEqual(
    pacelcLatency.run({ reads: "quorum" }, 4),
    pacelcLatency.run({ reads: "quorum" }, 4),
  );
});
