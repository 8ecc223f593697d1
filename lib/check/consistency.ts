/**
 * One front door for every consistency model the checkers know, from linearizability
 * down to the four session guarantees, with the same kind of verdict (true, false or
 * "unknown") and, for a violation, evidence: a smallest set of operations that shows it,
 * as a history of its own that `historyBars` draws.
 *
 * @module
 */
import { formatValue } from "../config/mod.ts";
import { type History, pairOperations } from "../history/operation.ts";
import { checkCausalMemory, type WeakVerdict } from "./causal.ts";
import {
  checkLinearizable,
  type LinearizabilityEvidence,
  MODEL_NAMES,
  type ModelName,
  type OperationSummary,
  summarizeOperation,
} from "./linearizability.ts";
import { checkSequential, DEFAULT_SEQUENTIAL_MAX_STEPS } from "./sequential.ts";
import {
  checkSessionGuarantee,
  SESSION_GUARANTEES,
  type SessionGuarantee,
} from "./session_guarantees.ts";
import { isWeakProblem, prepareWeakHistory } from "./weak_history.ts";

/** A consistency model, strongest first. */
export type ConsistencyModel =
  | "linearizable"
  | "sequential"
  | "causal"
  | "session-guarantees"
  | SessionGuarantee;

/**
 * The models {@link checkConsistency} knows, strongest first: linearizable ⇒ sequential
 * ⇒ causal ⇒ session-guarantees (all four together) ⇒ each of the four, which are
 * independent of each other.
 */
export const CONSISTENCY_MODELS: readonly ConsistencyModel[] = [
  "linearizable",
  "sequential",
  "causal",
  "session-guarantees",
  "read-your-writes",
  "monotonic-reads",
  "writes-follow-reads",
  "monotonic-writes",
];

/** Options of {@link checkConsistency}. */
export interface ConsistencyOptions {
  /** `register` or `kv`. Default: `kv` when any record has a key, `register` otherwise. */
  readonly model?: ModelName;
  /**
   * Step budget of the searches (linearizable, sequential) before the verdict is
   * `"unknown"`. Default: each checker's own.
   */
  readonly maxSteps?: number;
  /**
   * Shrink the evidence to a smallest set of operations (no single operation can be
   * removed and still show the violation). Costs a check per attempt. Default true.
   */
  readonly minimize?: boolean;
  /** Largest number of operations evidence is shrunk from; beyond it, none. Default 400. */
  readonly minimizeUpTo?: number;
}

/** Why a history breaks a model: the operations that show it. */
export interface ConsistencyEvidence {
  /** The operations, in invoke order, as a history of their own would show them. */
  readonly operations: readonly OperationSummary[];
  /** The records of those operations alone: a history that breaks the model by itself. */
  readonly history: History;
  /** Whether no single operation can be removed from `history` and still break the model. */
  readonly minimal: boolean;
  /** One sentence. */
  readonly summary: string;
  /** For linearizability, the checker's own evidence (on the full history). */
  readonly linearizability?: LinearizabilityEvidence;
}

/** What {@link checkConsistency} found. */
export interface ConsistencyResult {
  /** The model checked. */
  readonly consistency: ConsistencyModel;
  /** `register` or `kv`. */
  readonly model: ModelName;
  /** `true`, `false`, or `"unknown"` (values repeat, or a search budget ran out). */
  readonly valid: boolean | "unknown";
  /** For a violation: the operations that show it. */
  readonly evidence: ConsistencyEvidence | undefined;
  /** For `"unknown"`: why, in words. */
  readonly reason: string | undefined;
  /** For the session guarantees: reads that did not reflect a write they had to. */
  readonly violations?: number;
}

/**
 * Checks a history of reads and writes against one consistency model.
 *
 * - `linearizable`: {@link checkLinearizable} (real time counts; cas too).
 * - `sequential`: Lamport (1979): one order of all operations keeping each process's
 *   order, reads returning the latest write (see `checkSequential`; bounded search).
 * - `causal`: causal memory, Ahamad et al. (1995): each process has its own such order
 *   of all writes and its own operations, extending session order and writes-into
 *   (see `checkCausalMemory`).
 * - `read-your-writes`, `monotonic-reads`, `monotonic-writes`, `writes-follow-reads`:
 *   Terry et al.'s (1994) session guarantees, a session being a process (see
 *   `checkSessionGuarantee` for how each is read on a history); `session-guarantees`:
 *   all four at once, in one view per session.
 *
 * Every model but linearizable ignores real time, so which write a read saw is taken
 * from its value: those checks need each value written once per key (and null, the
 * initial value, never written) and answer `"unknown"` when values repeat. Failed
 * operations took no effect; an unknown write counts when a read returned its value.
 * Every model here requires a read to return the initial value or a written one: a read
 * of a value nobody wrote breaks them all.
 *
 * Throws a HistoryError for a malformed history, a ModelError for operations the model
 * does not know (the weaker models know read and write only).
 *
 * @example
 * ```ts
 * import type { History } from "../history/mod.ts";
 *
 * const history: History = [
 *   { process: 0, type: "invoke", f: "write", value: 1 },
 *   { process: 0, type: "ok", f: "write", value: 1 },
 *   { process: 1, type: "invoke", f: "read", value: null },
 *   { process: 1, type: "ok", f: "read", value: null },
 * ];
 * checkConsistency(history, "linearizable").valid; // false: the read began after the write ended
 * checkConsistency(history, "sequential").valid; // true: the read may go first
 * ```
 */
export function checkConsistency(
  history: History,
  consistency: ConsistencyModel,
  options: ConsistencyOptions = {},
): ConsistencyResult {
  if (!CONSISTENCY_MODELS.includes(consistency)) {
    throw new RangeError(
      `Cannot check consistency: the model must be one of ${CONSISTENCY_MODELS.join(", ")}, ` +
        `got ${formatValue(consistency)}`,
    );
  }
  if (options.model !== undefined && !MODEL_NAMES.includes(options.model)) {
    throw new RangeError(
      `Cannot check consistency: model must be "register" or "kv", got ${
        formatValue(options.model)
      }`,
    );
  }
  const found = verdict(history, consistency, options);
  const model = options.model ?? (history.some((op) => op.key !== undefined) ? "kv" : "register");
  if (found.valid !== false) {
    return {
      consistency,
      model,
      valid: found.valid,
      evidence: undefined,
      reason: found.valid === "unknown" ? found.reason : undefined,
      ...(found.violations === undefined ? {} : { violations: found.violations }),
    };
  }
  const minimize = options.minimize ?? true;
  const upTo = options.minimizeUpTo ?? 400;
  let kept = found.invokes;
  let minimal = false;
  if (minimize && kept.length <= upTo) {
    // Delta debugging: drop chunks (halves, then quarters, ... then single operations) as
    // long as what is left still breaks the model for the same kind of reason.
    const breaks = (invokes: readonly number[]) => {
      const sub = verdict(subHistory(history, invokes), consistency, options);
      return sub.valid === false && sub.thinAir === found.thinAir;
    };
    // Single operations are tried again until a whole pass removes none: removing one
    // can make an earlier one removable.
    let chunk = Math.ceil(kept.length / 2);
    for (;;) {
      let at = 0;
      let removed = false;
      while (at < kept.length && kept.length > 1) {
        const trial = [...kept.slice(0, at), ...kept.slice(at + chunk)];
        if (trial.length > 0 && breaks(trial)) {
          kept = trial;
          removed = true;
        } else at += chunk;
      }
      if (chunk > 1) chunk = Math.ceil(chunk / 2);
      else if (!removed) break;
    }
    minimal = true;
  }
  const evidenceHistory = subHistory(history, kept);
  const shrunk = kept === found.invokes ? found : verdict(evidenceHistory, consistency, options);
  const byInvoke = new Map(pairOperations(history).map((pair) => [pair.invokeIndex, pair]));
  const operations = kept.map((index) => summarizeOperation(byInvoke.get(index)!));
  return {
    consistency,
    model,
    valid: false,
    evidence: {
      operations,
      history: evidenceHistory,
      minimal,
      summary: shrunk.valid === false && consistency !== "linearizable"
        ? shrunk.summary
        : found.summary,
      ...(found.linearizability === undefined ? {} : { linearizability: found.linearizability }),
    },
    reason: undefined,
    ...(found.violations === undefined ? {} : { violations: found.violations }),
  };
}

/**
 * Every model at once, strongest first: the verdicts {@link checkConsistency} gives, as
 * a map from model to result.
 *
 * @example
 * ```ts
 * import type { History } from "../history/mod.ts";
 *
 * const history: History = [
 *   { process: 0, type: "invoke", f: "write", value: 1 },
 *   { process: 0, type: "ok", f: "write", value: 1 },
 *   { process: 1, type: "invoke", f: "read", value: null },
 *   { process: 1, type: "ok", f: "read", value: null }, // stale: 1 was written before
 * ];
 * const results = checkAllConsistency(history);
 * results.get("linearizable")!.valid; // false
 * results.get("sequential")!.valid; // true
 * ```
 */
export function checkAllConsistency(
  history: History,
  options: ConsistencyOptions = {},
): Map<ConsistencyModel, ConsistencyResult> {
  return new Map(CONSISTENCY_MODELS.map((m) => [m, checkConsistency(history, m, options)]));
}

/**
 * The strongest model a history satisfies among linearizable, sequential and causal, or
 * `"none"`; `"unknown"` when a check could not decide.
 */
export function strongestModel(
  history: History,
  options: ConsistencyOptions = {},
): "linearizable" | "sequential" | "causal" | "none" | "unknown" {
  for (const model of ["linearizable", "sequential", "causal"] as const) {
    const valid = checkConsistency(history, model, { ...options, minimize: false }).valid;
    if (valid === true) return model;
    if (valid === "unknown") return "unknown";
  }
  return "none";
}

/**
 * The records of the operations invoked at `invokes` (positions in `history`) and of
 * their completions, in the history's order: a history of those operations alone.
 */
export function subHistory(history: History, invokes: readonly number[]): History {
  const wanted = new Set(invokes);
  const keep = new Set<number>();
  for (const pair of pairOperations(history)) {
    if (!wanted.has(pair.invokeIndex)) continue;
    keep.add(pair.invokeIndex);
    if (pair.completeIndex !== undefined) keep.add(pair.completeIndex);
  }
  return history.filter((_, index) => keep.has(index));
}

type Found =
  | { valid: true; violations?: number }
  | { valid: "unknown"; reason: string; violations?: number }
  | {
    valid: false;
    /** Invoke positions of the operations that show it. */
    invokes: number[];
    summary: string;
    thinAir: boolean;
    violations?: number;
    linearizability?: LinearizabilityEvidence;
  };

function verdict(
  history: History,
  consistency: ConsistencyModel,
  options: ConsistencyOptions,
): Found {
  if (consistency === "linearizable") {
    const result = checkLinearizable(history, {
      ...(options.model === undefined ? {} : { model: options.model }),
      ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
    });
    if (result.valid === true) return { valid: true };
    if (result.valid === "unknown") return { valid: "unknown", reason: result.reason ?? "" };
    const evidence = result.evidence!;
    // Start from every operation of the key invoked up to the failure.
    const invokes = pairOperations(history)
      .filter((pair) =>
        pair.process !== "nemesis" && pair.key === evidence.key &&
        pair.invokeIndex <= evidence.failedAt
      )
      .map((pair) => pair.invokeIndex);
    return {
      valid: false,
      invokes,
      summary: evidence.summary,
      thinAir: hasThinAirRead(history),
      linearizability: evidence,
    };
  }
  const weak = prepareWeakHistory(history, options.model);
  if (isWeakProblem(weak)) {
    if (weak.kind === "ambiguous") return { valid: "unknown", reason: weak.reason };
    return {
      valid: false,
      invokes: [weak.read.invokeIndex],
      summary: `${weak.reason}: every model here requires a read to return a written value`,
      thinAir: true,
      ...(isSession(consistency) ? { violations: 1 } : {}),
    };
  }
  let found: WeakVerdict;
  let violations: number | undefined;
  if (consistency === "sequential") {
    found = checkSequential(weak, options.maxSteps ?? DEFAULT_SEQUENTIAL_MAX_STEPS);
  } else if (consistency === "causal") {
    found = checkCausalMemory(weak);
  } else {
    const session = checkSessionGuarantee(
      weak,
      consistency === "session-guarantees" ? SESSION_GUARANTEES : consistency,
    );
    found = session;
    violations = session.violations;
  }
  const extra = violations === undefined ? {} : { violations };
  if (found.valid === true) return { valid: true, ...extra };
  if (found.valid === "unknown") return { valid: "unknown", reason: found.reason, ...extra };
  let ops = found.ops;
  if (consistency === "sequential" || consistency === "causal") {
    // Causal memory implies the session guarantees, so a broken guarantee's few operations
    // break these models too: a far smaller start for the evidence than a causal past.
    const session = checkSessionGuarantee(weak, SESSION_GUARANTEES);
    if (session.valid === false && session.ops.length < ops.length) ops = session.ops;
  }
  const invokes = [...new Set(ops.map((id) => weak.ops[id]!.pair.invokeIndex))]
    .sort((a, b) => a - b);
  return { valid: false, invokes, summary: found.summary, thinAir: false, ...extra };
}

/** Whether some read returned a value no write or cas of its key ever wrote. */
function hasThinAirRead(history: History): boolean {
  const written = new Set<string>();
  const pairs = pairOperations(history);
  for (const pair of pairs) {
    if (pair.f === "write") written.add(JSON.stringify([pair.key ?? null, pair.value]));
    if (pair.f === "cas" && Array.isArray(pair.value)) {
      written.add(JSON.stringify([pair.key ?? null, pair.value[1]]));
    }
  }
  return pairs.some((pair) =>
    pair.f === "read" && pair.outcome === "ok" && pair.output !== null &&
    !written.has(JSON.stringify([pair.key ?? null, pair.output]))
  );
}

function isSession(model: ConsistencyModel): boolean {
  return model !== "linearizable" && model !== "sequential" && model !== "causal";
}
