/**
 * Versions of replicated values. A stored value carries a timestamp stamp `(ts, writer)`,
 * totally ordered (last writer wins), and optionally a version vector, partially ordered
 * (concurrent writes are kept side by side as siblings). A replica keeps, per key, the
 * siblings that no other version supersedes.
 *
 * @module
 */
import { compareVectors, mergeVectors, type VectorTimestamp } from "../clocks/vector_clock.ts";
import type { CausalOrder } from "../clocks/causal_clock.ts";

/** How a store orders versions: by timestamp (last writer wins) or by version vector. */
export type Versioning = "timestamp" | "vector";

/** One stored version of a key's value. */
export interface Versioned {
  /** The value written (null: a deletion, or nothing). */
  readonly value: number | string | null;
  /** The timestamp: a clock reading or a counter. Ties are broken by `writer`. */
  readonly ts: number;
  /** Who wrote it (client or node id): breaks timestamp ties deterministically. */
  readonly writer: string;
  /** The version vector, for `vector` versioning; empty for `timestamp`. */
  readonly vv: VectorTimestamp;
}

/** The version every key starts at: nothing written. */
export const NO_VERSION: Versioned = Object.freeze({ value: null, ts: 0, writer: "", vv: {} });

/** Orders two versions by (ts, writer): "before", "after" or "equal", never "concurrent". */
export function compareStamps(a: Versioned, b: Versioned): CausalOrder {
  if (a.ts !== b.ts) return a.ts < b.ts ? "before" : "after";
  if (a.writer !== b.writer) return a.writer < b.writer ? "before" : "after";
  return "equal";
}

/** Orders two versions the way `versioning` does. */
export function compareVersions(a: Versioned, b: Versioned, versioning: Versioning): CausalOrder {
  return versioning === "timestamp" ? compareStamps(a, b) : compareVectors(a.vv, b.vv);
}

/**
 * Merges incoming versions into a sibling set: drops every version another supersedes,
 * keeps one copy of equal ones, and keeps concurrent ones side by side. With timestamp
 * versioning the result has at most one element (the last writer's). The result is
 * sorted (by ts, then writer) so equal sets compare equal.
 *
 * @example
 * ```ts
 * mergeSiblings([{ value: 1, ts: 1, writer: "a", vv: { a: 1 } }],
 *               [{ value: 2, ts: 2, writer: "b", vv: { b: 1 } }], "vector").length; // 2
 * ```
 */
export function mergeSiblings(
  current: readonly Versioned[],
  incoming: readonly Versioned[],
  versioning: Versioning,
): Versioned[] {
  const all = [...current, ...incoming];
  const kept: Versioned[] = [];
  for (const candidate of all) {
    let keep = true;
    for (const other of all) {
      if (other === candidate) continue;
      const order = compareVersions(candidate, other, versioning);
      if (order === "before") {
        keep = false;
        break;
      }
    }
    if (keep && !kept.some((k) => compareVersions(k, candidate, versioning) === "equal")) {
      kept.push(candidate);
    }
  }
  return kept.sort((a, b) =>
    a.ts - b.ts || (a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : 0)
  );
}

/** The version vector that supersedes every sibling: their merge. */
export function mergedVector(siblings: readonly Versioned[]): VectorTimestamp {
  return siblings.reduce<VectorTimestamp>((vv, s) => mergeVectors(vv, s.vv), {});
}

/** The greatest timestamp among siblings (0 when none). */
export function maxTimestamp(siblings: readonly Versioned[]): number {
  return siblings.reduce((max, s) => Math.max(max, s.ts), 0);
}

/** Whether sibling set `a` holds everything `b` does (each of b's versions is in or below a). */
export function covers(
  a: readonly Versioned[],
  b: readonly Versioned[],
  versioning: Versioning,
): boolean {
  return b.every((v) =>
    a.some((w) => {
      const order = compareVersions(v, w, versioning);
      return order === "before" || order === "equal";
    })
  );
}

/** A short text for a sibling set: `x@3:c1` per sibling, `∅` for none. */
export function formatSiblings(siblings: readonly Versioned[]): string {
  if (siblings.length === 0) return "∅";
  return siblings.map((s) => `${s.value}@${s.ts}:${s.writer}`).join(" | ");
}
