/**
 * Sequential consistency (Lamport, "How to make a multiprocessor computer that correctly
 * executes multiprogram programs", IEEE Transactions on Computers C-28(9), 1979), checked
 * on a differentiated history by a bounded search.
 *
 * @module
 */
import { checkCausalMemory, type WeakVerdict } from "./causal.ts";
import { INITIAL, type WeakHistory } from "./weak_history.ts";

/** Default step budget of {@link checkSequential}. */
export const DEFAULT_SEQUENTIAL_MAX_STEPS = 1_000_000;

/**
 * Whether a differentiated history is sequentially consistent: whether one order of all
 * its operations keeps each process's own order (real time between processes does not
 * count) and has every read return the value of the latest write to its key before it
 * (or null, with none).
 *
 * Deciding this is NP-complete even when each value is written once (Gibbons and Korach,
 * SIAM J. Computing 26(4), 1997), so the search is bounded: after `maxSteps` writes
 * placed it answers `"unknown"`. Three things keep it small in practice. A history that
 * is not causal (a polynomial check) is not sequential either. Reads never change the
 * state, so a read whose value is current is placed at once (no branching on reads).
 * And states already explored (each process's position and the latest write per key)
 * are remembered and never explored twice.
 */
export function checkSequential(
  weak: WeakHistory,
  maxSteps: number = DEFAULT_SEQUENTIAL_MAX_STEPS,
): WeakVerdict & { readonly steps: number } {
  const causal = checkCausalMemory(weak);
  if (causal.valid === false) {
    return { ...causal, summary: `not causal, so not sequential: ${causal.summary}`, steps: 0 };
  }
  const sessions = weak.sessions;
  const pos = new Int32Array(sessions.length);
  const last = new Int32Array(weak.keys.length).fill(INITIAL);
  const seen = new Set<string>();
  let steps = 0;
  let exhausted = false;
  const total = weak.ops.length;
  let placed = 0;

  const search = (): boolean => {
    // Place every read whose value is current: it changes nothing, so it never hurts.
    const before = pos.slice();
    const placedBefore = placed;
    let moved = true;
    while (moved) {
      moved = false;
      for (let p = 0; p < sessions.length; p++) {
        const session = sessions[p]!;
        while (pos[p]! < session.length) {
          const op = weak.ops[session[pos[p]!]!]!;
          if (op.f !== "read" || last[op.key] !== op.readsFrom) break;
          pos[p]!++;
          placed++;
          moved = true;
        }
      }
    }
    const undo = () => {
      pos.set(before);
      placed = placedBefore;
    };
    if (placed === total) return true;
    const state = `${pos.join(",")}|${last.join(",")}`;
    if (seen.has(state)) {
      undo();
      return false;
    }
    seen.add(state);
    for (let p = 0; p < sessions.length; p++) {
      const session = sessions[p]!;
      if (pos[p]! >= session.length) continue;
      const op = weak.ops[session[pos[p]!]!]!;
      if (op.f !== "write") continue;
      if (++steps > maxSteps) {
        exhausted = true;
        undo();
        return false;
      }
      const previous = last[op.key]!;
      last[op.key] = op.id;
      pos[p]!++;
      placed++;
      if (search()) return true;
      pos[p]!--;
      placed--;
      last[op.key] = previous;
      if (exhausted) break;
    }
    undo();
    return false;
  };

  if (search()) return { valid: true, steps };
  if (exhausted) {
    return {
      valid: "unknown",
      reason: `the search stopped after ${maxSteps} steps (sequential consistency is ` +
        "NP-complete to check, even with each value written once)",
      steps,
    };
  }
  return {
    valid: false,
    ops: weak.ops.map((op) => op.id),
    summary: `no order of the ${total} operations that keeps each process's own order ` +
      "has every read return the latest write to its key",
    steps,
  };
}
