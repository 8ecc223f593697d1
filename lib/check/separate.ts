/**
 * Histories that separate two consistency models, found by search: random small
 * histories, each checked against both models, the smallest kept.
 *
 * @module
 */
import type { History, Operation } from "../history/operation.ts";
import { Random } from "../sim/random.ts";
import { checkConsistency, type ConsistencyModel } from "./consistency.ts";

/** Options of {@link randomHistory}. */
export interface RandomHistoryOptions {
  /** Most processes (at least 2 are drawn). Default 4. */
  readonly processes?: number;
  /** Most operations (at least 2 are drawn). Default 8. */
  readonly maxOperations?: number;
  /** Keys, named `x`, `y`, `z`, ... Default 2. */
  readonly keys?: number;
  /**
   * Whether a read may return a value written only after it completes (which breaks
   * every model but says little). Default false: reads return null or an earlier write.
   */
  readonly futureReads?: boolean;
}

const KEY_NAMES = ["x", "y", "z", "u", "v", "w"];

/**
 * A random history of reads and writes that follow one another in real time (each
 * completes before the next begins, times 0, 1, 2, ...), every value written once per
 * key, each read returning null or the value of an earlier write to its key (or of any
 * write to it, with `futureReads`).
 */
export function randomHistory(random: Random, options: RandomHistoryOptions = {}): History {
  const { processes = 4, maxOperations = 8, keys = 2, futureReads = false } = options;
  if (!(keys >= 1 && keys <= KEY_NAMES.length)) {
    throw new RangeError(
      `Cannot draw a history: keys must be between 1 and ${KEY_NAMES.length}, got ${keys}`,
    );
  }
  const count = random.int(2, Math.max(2, maxOperations) + 1);
  const drafts = Array.from({ length: count }, () => ({
    process: random.int(0, Math.max(2, processes)),
    key: KEY_NAMES[random.int(0, keys)]!,
    write: random.chance(0.45),
  }));
  const writes = drafts.map((d, i) => ({ ...d, value: i + 1 })).filter((d) => d.write);
  const records: Operation[] = [];
  let time = 0;
  for (const [i, d] of drafts.entries()) {
    const base = { process: d.process, f: d.write ? "write" : "read", key: d.key } as const;
    if (d.write) {
      records.push({ ...base, type: "invoke", value: i + 1, time: time++ });
      records.push({ ...base, type: "ok", value: i + 1, time: time++ });
    } else {
      const choices = [
        null,
        ...writes.filter((w) => w.key === d.key && (futureReads || w.value < i + 1))
          .map((w) => w.value),
      ];
      const value = choices[random.int(0, choices.length)]!;
      records.push({ ...base, type: "invoke", value: null, time: time++ });
      records.push({ ...base, type: "ok", value, time: time++ });
    }
  }
  return records;
}

/** Options of {@link findSeparatingHistory}. */
export interface SeparationSearch extends RandomHistoryOptions {
  /** Models the history must satisfy. */
  readonly holds: readonly ConsistencyModel[];
  /** The model it must break. */
  readonly breaks: ConsistencyModel;
  /** Seed of the random histories. Default 1. */
  readonly seed?: number;
  /** Random histories tried. Default 5,000. */
  readonly tries?: number;
}

/** A separating history found, and how many tries found it. */
export interface Separation {
  /** The history: every model in `holds` accepts it, `breaks` rejects it. */
  readonly history: History;
  /** Random histories tried until the smallest was found. */
  readonly triedUntilFound: number;
}

/**
 * Searches random histories for one that every model in `holds` accepts and `breaks`
 * rejects, and returns the one with the fewest operations (the first found among
 * equals). Each candidate is shrunk to the evidence `breaks` gives (its smallest
 * violating part) when the models in `holds` still accept that. Undefined when no try
 * separates them: then maybe nothing can (a stronger model cannot be separated from a
 * weaker one the wrong way round).
 *
 * @example
 * ```ts
 * import { historyBars } from "./history_bars.ts";
 *
 * const found = findSeparatingHistory({ holds: ["sequential"], breaks: "linearizable" });
 * found!.history.length; // 4 records: two operations, sequential but not linearizable
 * historyBars(found!.history); // a Figure
 * ```
 */
export function findSeparatingHistory(search: SeparationSearch): Separation | undefined {
  const { holds, breaks, seed = 1, tries = 5_000 } = search;
  const random = new Random(seed).child("separating-history");
  let best: Separation | undefined;
  const accepted = (history: History) =>
    holds.every((model) => checkConsistency(history, model, { minimize: false }).valid === true);
  for (let i = 1; i <= tries; i++) {
    const history = randomHistory(random, search);
    if (best !== undefined && history.length >= best.history.length) continue;
    if (checkConsistency(history, breaks, { minimize: false }).valid !== false) continue;
    if (!accepted(history)) continue;
    const evidence = checkConsistency(history, breaks).evidence!.history;
    const smallest = evidence.length < history.length && accepted(evidence) ? evidence : history;
    best = { history: retime(smallest), triedUntilFound: i };
  }
  return best;
}

/** Times 0, 1, 2, ... again, after records were dropped. */
function retime(history: History): History {
  return history.map((op, time) => ({ ...op, time }));
}
