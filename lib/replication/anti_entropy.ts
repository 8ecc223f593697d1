/**
 * Anti-entropy measured: two replicas of the quorum store that disagree on some keys run
 * one Merkle exchange in the simulator, and the bytes they sent are counted.
 *
 * @module
 */
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { merkleReconcileCost } from "./merkle.ts";
import { type QuorumMessage, QuorumReplica } from "./quorum.ts";
import type { Versioned } from "./versions.ts";

/** Options of {@link measureAntiEntropy}. */
export interface AntiEntropyOptions {
  /** Keys both replicas hold. */
  readonly keys: number;
  /** Keys on which the second replica holds an older version. */
  readonly divergent: number;
  /** Depth of the Merkle trees (2^depth leaf buckets). */
  readonly depth: number;
  /** Bytes of each value. Default 100. */
  readonly valueBytes?: number;
}

/** What one anti-entropy exchange cost. */
export interface AntiEntropyMeasurement {
  /** Keys held. */
  readonly keys: number;
  /** Keys that differed. */
  readonly divergent: number;
  /** Tree depth. */
  readonly depth: number;
  /** Bytes both replicas sent during the exchange (hashes and bucket entries). */
  readonly merkleBytes: number;
  /** Bytes to send one replica's every entry instead. */
  readonly fullBytes: number;
  /** Bytes {@link merkleReconcileCost} predicts for the same two replicas. */
  readonly predictedBytes: number;
  /** Messages exchanged. */
  readonly messages: number;
  /** Whether the replicas hold the same versions afterwards. */
  readonly converged: boolean;
}

/**
 * Builds two replicas holding `keys` keys, of which `divergent` (chosen by `seed`) are
 * older on the second, runs one anti-entropy exchange started by the first, and measures
 * it. The bytes are counted by the replicas as they send.
 *
 * @example
 * ```ts
 * measureAntiEntropy({ keys: 1000, divergent: 10, depth: 8 }, 1); // merkleBytes ≪ fullBytes
 * ```
 */
export function measureAntiEntropy(
  options: AntiEntropyOptions,
  seed: number,
): AntiEntropyMeasurement {
  const { keys, divergent, depth } = options;
  if (!(Number.isInteger(divergent) && divergent >= 0 && divergent <= keys)) {
    throw new RangeError(
      `Cannot measure anti-entropy: divergent must be 0 to keys (${keys}), got ${divergent}`,
    );
  }
  const pad = "x".repeat(Math.max(0, (options.valueBytes ?? 100) - 8));
  const ring = ["a", "b"];
  const names = Array.from({ length: keys }, (_, i) => `key${i}`);
  const stale = new Set(new Random(seed).child("divergent").shuffle(names).slice(0, divergent));
  const simulation = new Simulation<QuorumMessage>({
    seed,
    record: false,
    network: { latency: { kind: "constant", ms: 1 } },
  });
  const version = (key: string, ts: number): Versioned => ({
    value: `${key}:${ts}${pad}`,
    ts,
    writer: "w",
    vv: {},
  });
  for (const id of ring) {
    simulation.addNode(id, (ctx) =>
      new QuorumReplica(ctx, {
        ring,
        n: 2,
        versioning: "timestamp",
        merkleDepth: depth,
        handoffIntervalMs: 1e9,
      }));
    // Written to disk before the replica starts, which loads it.
    const storage = simulation.storage(id);
    for (const key of names) {
      const ts = id === "b" && stale.has(key) ? 1 : 2;
      storage.set(`k:${key}`, [version(key, ts)]);
    }
  }
  simulation.runUntil(0);
  const before = (id: string) => {
    const replica = simulation.node<QuorumReplica>(id)!;
    return new Map(replica.keys().map((key) => [key, replica.siblings(key)]));
  };
  const expected = merkleReconcileCost(before("a"), before("b"), depth);
  const sendsBefore = simulation.stats.sends;
  simulation.node<QuorumReplica>("a")!.startAntiEntropy("b");
  simulation.runFor(100);
  const a = simulation.node<QuorumReplica>("a")!, b = simulation.node<QuorumReplica>("b")!;
  const converged = names.every((key) =>
    JSON.stringify(a.siblings(key)) === JSON.stringify(b.siblings(key))
  );
  return {
    keys,
    divergent,
    depth,
    merkleBytes: a.antiEntropyBytesSent + b.antiEntropyBytesSent,
    fullBytes: expected.fullBytes,
    predictedBytes: expected.merkleBytes,
    messages: simulation.stats.sends - sendsBefore,
    converged,
  };
}
