/**
 * Checkers of histories: linearizability of registers and key-value maps (Wing and Gong's
 * search with Lowe's memoisation, per key), its evidence in words, and the history drawn
 * as bars per process with the point where linearization fails; and the weaker models
 * behind `checkConsistency` (sequential, causal memory, the four session guarantees),
 * each violation with the smallest set of operations that shows it.
 *
 * ```ts
 * import {
 *   checkConsistency, checkLinearizable, describeResult, historyBars,
 * } from "./mod.ts";
 * import type { History } from "../history/mod.ts";
 *
 * const history: History = [
 *   { process: 0, type: "invoke", f: "write", value: 1 },
 *   { process: 0, type: "ok", f: "write", value: 1 },
 *   { process: 1, type: "invoke", f: "read", value: null },
 *   { process: 1, type: "ok", f: "read", value: null },
 * ];
 * const result = checkLinearizable(history);
 * console.log(describeResult(result));
 * historyBars(history, { evidence: result.evidence });
 * const causal = checkConsistency(history, "causal");
 * if (causal.evidence) historyBars(causal.evidence.history);
 * ```
 *
 * @module
 */
export * from "./linearizability.ts";
export { ModelError } from "./search.ts";
export * from "./describe.ts";
export * from "./history_bars.ts";
export * from "./consistency.ts";
export { checkCausalMemory, type WeakVerdict } from "./causal.ts";
export { checkSequential, DEFAULT_SEQUENTIAL_MAX_STEPS } from "./sequential.ts";
export * from "./session_guarantees.ts";
export {
  INITIAL,
  isWeakProblem,
  prepareWeakHistory,
  type WeakHistory,
  type WeakOperation,
  type WeakProblem,
} from "./weak_history.ts";
export * from "./separate.ts";
