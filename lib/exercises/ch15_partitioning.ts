/**
 * Exercises of chapter 15 (partitioning) with their self-checks:
 *
 * 1. **Choose k for a balance target** ({@link checkChooseVnodes}): given the number of
 *    nodes and a target for the std/mean of their shares, return how many tokens per
 *    node a consistent-hash ring needs: enough to meet the target, not wastefully many.
 * 2. **Rendezvous hashing** ({@link checkRendezvous}): write `pickNode(key, nodes)` so
 *    that keys spread evenly and a node joining or leaving moves only the keys it must.
 *
 * Each check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import { shareStats } from "../partitioning/balance.ts";
import { hashText } from "../partitioning/hash.ts";
import { HashRing } from "../partitioning/ring.ts";
import { ExerciseResult, notAFunction } from "./result.ts";

// ---- Exercise 1: choose k ---------------------------------------------------------------

/** A reader's answer: tokens per node for `nodes` nodes to reach a std/mean of `target`. */
export type ChooseVnodes = (nodes: number, targetStdOverMean: number) => number;

/** The cases the check tries: nodes and target std/mean. */
export const CHOOSE_VNODES_CASES: readonly { nodes: number; target: number }[] = [
  { nodes: 100, target: 0.1 },
  { nodes: 20, target: 0.2 },
  { nodes: 50, target: 0.05 },
];

/** Placements averaged per case. */
const VNODE_SEEDS = 5;

/**
 * The reference answer: std/mean is about 1/√k, so k = 1/target² meets the target on
 * average; half as much again keeps a margin for the spread between placements.
 */
export function referenceChooseVnodes(_nodes: number, targetStdOverMean: number): number {
  return Math.ceil(1.5 / targetStdOverMean ** 2);
}

/**
 * Checks an answer to "choose k": for each case it builds rings with the answer's k
 * (seeds 1..5), and passes when the mean std/mean of the nodes' shares is at most the
 * target and k is at most 3/target² (tokens cost memory and routing-table entries).
 *
 * @example
 * ```ts
 * checkChooseVnodes((nodes, target) => Math.ceil(1 / target)); // ✗: the spread falls as 1/√k
 * ```
 */
export function checkChooseVnodes(chooseVnodes: ChooseVnodes): ExerciseResult {
  const title = "Choose k for a balance target";
  if (typeof chooseVnodes !== "function") {
    return notAFunction(title, "(nodes, target) => k", chooseVnodes);
  }
  const details: string[] = [];
  const rows = [];
  let passed = true;
  for (const { nodes, target } of CHOOSE_VNODES_CASES) {
    let k: unknown;
    try {
      k = chooseVnodes(nodes, target);
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [`Your function threw for ${nodes} nodes, target ${target}: ${String(error)}.`],
      });
    }
    if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > 100_000) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `For ${nodes} nodes and target ${target} you returned ${String(k)}: ` +
          "expected a whole number of tokens from 1 to 100000.",
        ],
      });
    }
    const limit = Math.floor(3 / target ** 2);
    if (k > limit) {
      // Too many tokens fails whatever the balance, so the rings are not even built.
      passed = false;
      details.push(
        `✗ ${nodes} nodes, target ${target}: k = ${k} is wasteful (more than ${limit} tokens)`,
      );
      continue;
    }
    let sum = 0;
    for (let seed = 1; seed <= VNODE_SEEDS; seed++) {
      sum += shareStats(new HashRing(nodes, { vnodes: k, seed }).arcShares()).stdOverMean;
    }
    const measured = sum / VNODE_SEEDS;
    const meets = measured <= target;
    passed &&= meets;
    rows.push({ nodes, target, k, stdOverMean: measured });
    details.push(
      `${meets ? "✓" : "✗"} ${nodes} nodes, target ${target}: k = ${k} gives ` +
        `std/mean ${measured.toFixed(3)} (mean of ${VNODE_SEEDS} rings)` +
        (meets ? "" : ", above the target"),
    );
  }
  if (!passed) {
    details.push(
      "The spread of a node's share is about 1/√k: halving it takes four times the tokens.",
    );
  }
  return new ExerciseResult({ passed, title, details, rows });
}

// ---- Exercise 2: rendezvous hashing ----------------------------------------------------

/** A reader's answer: the node (one of `nodes`) that stores `key`. */
export type PickNode = (key: string, nodes: readonly string[]) => string;

/**
 * The reference answer: every node scores the key with a hash of both, and the highest
 * score wins (rendezvous, or highest random weight, hashing).
 */
export function referencePickNode(key: string, nodes: readonly string[]): string {
  let best = nodes[0] as string, bestScore = -1;
  for (const node of nodes) {
    const score = hashText(`${key}|${node}`, 1);
    if (score > bestScore) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

/** A typical wrong answer: hash mod n. Even, but a join reshuffles almost every key. */
export function moduloPickNode(key: string, nodes: readonly string[]): string {
  return nodes[hashText(key, 1) % nodes.length] as string;
}

/**
 * Checks an answer to "rendezvous hashing" on 5,000 keys: every answer is one of the
 * nodes; the ten nodes' shares are within 15% of the mean; a node joining takes keys
 * only from the others (none move between old nodes); a node leaving moves only its own
 * keys; and the answer does not depend on the order the nodes are listed in.
 *
 * @example
 * ```ts
 * checkRendezvous(referencePickNode); // ✓
 * ```
 */
export function checkRendezvous(pickNode: PickNode): ExerciseResult {
  const title = "Rendezvous hashing";
  if (typeof pickNode !== "function") {
    return notAFunction(title, "(key, nodes) => node", pickNode);
  }
  const nodes = Array.from({ length: 10 }, (_, i) => `node-${i}`);
  const joined = [...nodes, "node-new"];
  const left = nodes.filter((node) => node !== "node-3");
  const reversed = [...nodes].reverse();
  const keys = Array.from({ length: 5000 }, (_, i) => `key-${i}`);
  const pick = (key: string, list: readonly string[]): string | Error => {
    try {
      return pickNode(key, list);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  const counts = new Map(nodes.map((node) => [node, 0]));
  let needless = 0, leaveMoves = 0, orderMismatch = 0, moved = 0;
  for (const key of keys) {
    const home = pick(key, nodes);
    if (home instanceof Error || !nodes.includes(home)) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `For ${key} over ${nodes.length} nodes you returned ${
            home instanceof Error ? `an error (${home.message})` : JSON.stringify(home)
          }: expected one of the nodes.`,
        ],
      });
    }
    counts.set(home, counts.get(home)! + 1);
    const afterJoin = pick(key, joined);
    if (afterJoin !== home) {
      moved++;
      if (afterJoin !== "node-new") needless++;
    }
    if (home !== "node-3" && pick(key, left) !== home) leaveMoves++;
    if (pick(key, reversed) !== home) orderMismatch++;
  }
  const shares = [...counts.values()];
  const stats = shareStats(shares);
  const even = stats.maxOverMean <= 1.15 && stats.minOverMean >= 0.85;
  const details = [
    `${even ? "✓" : "✗"} Balance: keys per node from ${Math.min(...shares)} to ${
      Math.max(...shares)
    } (mean ${keys.length / nodes.length}; within 15% required).`,
    `${needless === 0 ? "✓" : "✗"} A node joins: ${moved} keys moved, ${needless} of them ` +
    `between two old nodes (must be 0; about ${Math.round(keys.length / 11)} should move).`,
    `${leaveMoves === 0 ? "✓" : "✗"} A node leaves: ${leaveMoves} keys of other nodes moved ` +
    "(must be 0).",
    `${orderMismatch === 0 ? "✓" : "✗"} Listing the nodes in another order changed ` +
    `${orderMismatch} answers (must be 0).`,
  ];
  const passed = even && needless === 0 && leaveMoves === 0 && orderMismatch === 0 &&
    moved > 0;
  if (moved === 0) details.push("✗ No key moved to the new node: it would stay empty.");
  return new ExerciseResult({ passed, title, details });
}
