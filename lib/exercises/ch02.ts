/**
 * Exercises of chapter 02 with their self-checks:
 *
 * 1. **The Lamport receive rule** ({@link checkLamportReceive}): given the node's clock and
 *    the timestamp a message carries, what does the clock read after the receipt?
 * 2. **A vector clock** ({@link checkVectorClock}): `tick`, `merge` and `compare` over
 *    vector timestamps.
 *
 * Each check runs the reader's clock on nodes of random simulated runs (fast-check: random
 * nodes, sends, local events, reordering delays, loss, duplication), compares its
 * timestamps with the happened-before relation of the trace, and on a failure shows the
 * smallest run it found as a space-time diagram with the two events it gets wrong ringed
 * in red. A check never throws for a wrong answer.
 *
 * @module
 */
import fc from "fast-check";
import type { CausalClock, CausalOrder } from "../clocks/causal_clock.ts";
import { causalDiagram } from "../clocks/causal_diagram.ts";
import { type CausalScript, runCausalScript } from "../clocks/causal_trace.ts";
import { auditClock, type AuditPair, type ClockAudit } from "../clocks/clock_audit.ts";
import type { CausalEvent, HappenedBefore } from "../clocks/happened_before.ts";
import { compareVectors, type VectorTimestamp } from "../clocks/vector_clock.ts";
import { SimulationError } from "../sim/errors.ts";
import type { NodeId } from "../sim/node.ts";
import type { Trace } from "../sim/trace.ts";
import { causalScriptArbitrary } from "./arbitraries.ts";
import { ExerciseResult } from "./result.ts";

/** Options of the chapter 02 checks. */
export interface ClockCheckOptions {
  /** Random runs to try. Default 100. */
  readonly numRuns?: number;
  /** Seed of the random runs. Default 1. */
  readonly seed?: number;
}

// ---- Exercise 1: the Lamport receive rule ----------------------------------------------

/**
 * A reader's answer to "the Lamport receive rule": the node's clock reads `localTime`
 * and a message stamped `receivedTime` arrives; return the clock's value after the
 * receipt (the receipt's timestamp).
 */
export type LamportReceiveRule = (localTime: number, receivedTime: number) => number;

/** The reference answer (Lamport 1978, IR1 and IR2): past both, by one. */
export function referenceLamportReceive(localTime: number, receivedTime: number): number {
  return Math.max(localTime, receivedTime) + 1;
}

/**
 * A typical wrong answer: catch up with the message but forget to count the receipt,
 * so a receipt can carry the same timestamp as its send.
 */
export function wrongLamportReceive(localTime: number, receivedTime: number): number {
  return Math.max(localTime, receivedTime);
}

/** A Lamport clock whose receive rule is the reader's. */
class RuleClock implements CausalClock<number> {
  #time = 0;
  readonly #rule: LamportReceiveRule;
  constructor(rule: LamportReceiveRule) {
    this.#rule = rule;
  }
  tick(): number {
    return ++this.#time;
  }
  send(): number {
    return ++this.#time;
  }
  receive(stamp: number): number {
    const next: unknown = this.#rule(this.#time, stamp);
    if (typeof next !== "number" || Number.isNaN(next)) {
      throw new TypeError(
        `receive rule(${this.#time}, ${stamp}) returned ${describeValue(next)}, expected a number`,
      );
    }
    this.#time = next;
    return next;
  }
}

/**
 * Checks a Lamport receive rule: nodes count local events and sends by one and use
 * `rule` on every receipt; on each random run, every a → b must get L(a) < L(b). Reports
 * the smallest run where that fails, drawn. Never throws for a wrong answer.
 *
 * @example
 * ```ts
 * checkLamportReceive((local, received) => Math.max(local, received) + 1); // ✓
 * ```
 */
export function checkLamportReceive(
  rule: LamportReceiveRule,
  options: ClockCheckOptions = {},
): ExerciseResult {
  const title = "The Lamport receive rule";
  if (typeof rule !== "function") {
    return notAFunction(title, "a function (localTime, receivedTime) => number", rule);
  }
  return checkClock({
    title,
    options,
    run: (script) => {
      const { simulation, truth, stamps } = runCausalScript(script, {
        lamport: () => new RuleClock(rule),
      });
      const audit = auditClock(truth, stamps.lamport, compareNumbersSafe);
      return { trace: simulation.trace, truth, stamps: stamps.lamport, audit };
    },
    wrong: (audit) => audit.firstViolation,
    format: (stamp) => `L=${describeValue(stamp)}`,
    passed: (runs) =>
      `On ${runs} random runs (2 to 4 nodes, messages reordered, lost and duplicated), ` +
      "every event that happened before another has a smaller Lamport timestamp.",
    explain: (pair) =>
      `${describeEvent(pair.a)} happened before ${describeEvent(pair.b)}, so L must grow ` +
      `from one to the other, but L = ${describeValue(pair.stampA)} and then L = ${
        describeValue(pair.stampB)
      }.`,
    hint: (pair) =>
      pair.b.kind === "receive" && pair.a.kind === "send"
        ? "A receipt comes after its send: the clock must move past the timestamp the message " +
          "carries, and past its own value too, since the receipt is an event of its own."
        : "Every event of a node must get a larger timestamp than the node's previous event, " +
          "including a receipt of a message with a small timestamp.",
  });
}

// ---- Exercise 2: a vector clock --------------------------------------------------------

/**
 * A reader's answer to "a vector clock": three functions over vector timestamps (plain
 * objects of counts per node id; a missing node counts 0).
 */
export interface VectorClockAnswer {
  /** The timestamp after one more event of node `node`. */
  tick(clock: VectorTimestamp, node: NodeId): VectorTimestamp;
  /** Everything either timestamp knows: the entrywise maximum. */
  merge(a: VectorTimestamp, b: VectorTimestamp): VectorTimestamp;
  /** How the event stamped `a` relates to the event stamped `b`. */
  compare(a: VectorTimestamp, b: VectorTimestamp): CausalOrder;
}

/** The reference answer (Fidge 1988, Mattern 1989). */
export const referenceVectorClock: VectorClockAnswer = {
  tick: (clock, node) => ({ ...clock, [node]: (clock[node] ?? 0) + 1 }),
  merge: (a, b) => {
    const merged: Record<NodeId, number> = { ...a };
    for (const [id, count] of Object.entries(b)) merged[id] = Math.max(merged[id] ?? 0, count);
    return merged;
  },
  compare: compareVectors,
};

/**
 * A typical wrong answer: it compares timestamps by the sum of their entries, a total
 * order, so it orders concurrent events as if one came first.
 */
export const wrongVectorClock: VectorClockAnswer = {
  tick: referenceVectorClock.tick,
  merge: referenceVectorClock.merge,
  compare: (a, b) => {
    const sum = (v: VectorTimestamp) => Object.values(v).reduce((s, x) => s + x, 0);
    return sum(a) < sum(b) ? "before" : sum(a) > sum(b) ? "after" : "equal";
  },
};

/** A node's clock built from the reader's functions: tick each event, merge on receipt. */
class AnswerClock implements CausalClock<VectorTimestamp> {
  #clock: VectorTimestamp = {};
  readonly #answer: VectorClockAnswer;
  readonly #node: NodeId;
  constructor(answer: VectorClockAnswer, node: NodeId) {
    this.#answer = answer;
    this.#node = node;
  }
  tick(): VectorTimestamp {
    this.#clock = this.#answer.tick(this.#clock, this.#node);
    return this.#clock;
  }
  send(): VectorTimestamp {
    return this.tick();
  }
  receive(stamp: VectorTimestamp): VectorTimestamp {
    this.#clock = this.#answer.merge(this.#clock, stamp);
    return this.tick();
  }
}

/**
 * Checks a vector clock: each node starts at `{}`, ticks for every event, and merges the
 * message's timestamp before ticking on a receipt; then `compare` must give exactly the
 * happened-before relation ("before", "after", or "concurrent") for every pair of events
 * of each random run. Reports the smallest run where it does not, drawn. Never throws for
 * a wrong answer.
 *
 * @example
 * ```ts
 * checkVectorClock(referenceVectorClock); // ✓
 * ```
 */
export function checkVectorClock(
  answer: VectorClockAnswer,
  options: ClockCheckOptions = {},
): ExerciseResult {
  const title = "A vector clock";
  const missing = (["tick", "merge", "compare"] as const).filter((name) =>
    typeof (answer as Partial<VectorClockAnswer> | null | undefined)?.[name] !== "function"
  );
  if (missing.length > 0) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `Expected an object with functions tick, merge and compare; ${missing.join(", ")} ${
          missing.length === 1 ? "is" : "are"
        } missing.`,
      ],
    });
  }
  const compare = (a: VectorTimestamp, b: VectorTimestamp): CausalOrder => {
    const order: unknown = answer.compare(a, b);
    if (!["before", "after", "equal", "concurrent"].includes(order as string)) {
      throw new TypeError(
        `compare(${describeValue(a)}, ${describeValue(b)}) returned ${describeValue(order)}, ` +
          'expected "before", "after", "equal" or "concurrent"',
      );
    }
    return order as CausalOrder;
  };
  return checkClock({
    title,
    options,
    run: (script) => {
      const { simulation, truth, stamps } = runCausalScript(script, {
        vector: (ctx) => new AnswerClock(answer, ctx.id),
      });
      const audit = auditClock(truth, stamps.vector, compare);
      return { trace: simulation.trace, truth, stamps: stamps.vector, audit };
    },
    wrong: (audit) => audit.firstMismatch,
    format: (stamp) => describeValue(stamp),
    passed: (runs) =>
      `On ${runs} random runs (2 to 4 nodes, messages reordered, lost and duplicated), ` +
      "compare gives exactly the happened-before relation for every pair of events.",
    explain: (pair) =>
      `${describeEvent(pair.a)}, stamped ${describeValue(pair.stampA)}, ${
        pair.truth === "before" ? "happened before" : "is concurrent with"
      } ${describeEvent(pair.b)}, stamped ${
        describeValue(pair.stampB)
      }; your compare says "${pair.clock}".`,
    hint: (pair) =>
      pair.truth === "before"
        ? "For a → b, every entry of a's timestamp must be at most b's and one smaller: does " +
          "tick count the node's own event, and does merge keep the larger count of every node?"
        : "Concurrent events have timestamps where each has an entry larger than the other's: " +
          "compare entry by entry (a missing node counts 0) before deciding.",
  });
}

// ---- the shared check ---------------------------------------------------------------------

/** A run of the reader's clock on one script, audited against the truth. */
interface CheckedRun<S> {
  readonly trace: Trace;
  readonly truth: HappenedBefore;
  readonly stamps: readonly S[];
  readonly audit: ClockAudit<S>;
}

interface CheckSpec<S> {
  readonly title: string;
  readonly options: ClockCheckOptions;
  /** Runs a script with the reader's clock and audits it; may throw the reader's error. */
  readonly run: (script: CausalScript) => CheckedRun<S>;
  /** The pair the answer gets wrong, if any. */
  readonly wrong: (audit: ClockAudit<S>) => AuditPair<S> | undefined;
  /** A stamp as a label on the diagram. */
  readonly format: (stamp: S) => string;
  /** The verdict's line when every run passes. */
  readonly passed: (runs: number) => string;
  /** What is wrong with the pair, in a sentence. */
  readonly explain: (pair: AuditPair<S>) => string;
  /** Where to look, in a sentence. */
  readonly hint: (pair: AuditPair<S>) => string;
}

function checkClock<S>(spec: CheckSpec<S>): ExerciseResult {
  const numRuns = spec.options.numRuns ?? 100;
  const seed = spec.options.seed ?? 1;
  const holds = (script: CausalScript): boolean => {
    try {
      return spec.wrong(spec.run(script).audit) === undefined;
    } catch {
      return false;
    }
  };
  const outcome = fc.check(fc.property(causalScriptArbitrary(), holds), { numRuns, seed });
  if (!outcome.failed) {
    return new ExerciseResult({
      passed: true,
      title: spec.title,
      details: [spec.passed(outcome.numRuns)],
    });
  }
  if (outcome.counterexample === null) {
    return new ExerciseResult({
      passed: false,
      title: spec.title,
      details: [`The check could not run: ${describeError(outcome.errorInstance)}.`],
    });
  }
  const [smallest] = outcome.counterexample;
  const script = readable(smallest, (candidate) => !holds(candidate));
  const shrinks = `after ${outcome.numShrinks} shrink${outcome.numShrinks === 1 ? "" : "s"}`;
  const size = `${script.nodes} nodes, ${script.actions.length} scripted action${
    script.actions.length === 1 ? "" : "s"
  }`;
  let checked: CheckedRun<S>;
  try {
    checked = spec.run(script);
  } catch (error) {
    return new ExerciseResult({
      passed: false,
      title: spec.title,
      details: [
        `Your code threw on the smallest failing run (${size}, ${shrinks}): ${
          describeError(error)
        }.`,
      ],
      counterexample: { script },
    });
  }
  const pair = spec.wrong(checked.audit) as AuditPair<S>;
  const labels = checked.stamps.map(spec.format);
  const figure = causalDiagram(checked.trace, checked.truth, {
    labels,
    highlight: [pair.a.index, pair.b.index],
    title: "Smallest counterexample",
    subtitle: "Your timestamps at each event; the two events ringed in red are the problem",
    width: 640,
  });
  return new ExerciseResult({
    passed: false,
    title: spec.title,
    details: [
      `Smallest counterexample (${shrinks}): ${size}, ${checked.truth.events.length} events.`,
      spec.explain(pair),
      spec.hint(pair),
    ],
    counterexample: { script, a: pair.a, b: pair.b, stampA: pair.stampA, stampB: pair.stampB },
    figures: [figure],
  });
}

// ---- helpers ---------------------------------------------------------------------------

/** Time between two actions of a re-spaced counterexample, in ms. */
const READABLE_GAP_MS = 10;

/**
 * The smallest failing script with its actions spread out, one every
 * {@link READABLE_GAP_MS} in their original order, when that script fails too: shrinking
 * pulls every action towards 0 ms, and a diagram of events all at one instant cannot be
 * read. Otherwise the script itself.
 */
function readable(script: CausalScript, fails: (script: CausalScript) => boolean): CausalScript {
  const order = script.actions.map((action, i) => ({ action, i }))
    .sort((a, b) => a.action.atMs - b.action.atMs || a.i - b.i);
  const rank = new Map(order.map(({ i }, r) => [i, r]));
  const spread: CausalScript = {
    ...script,
    actions: script.actions.map((action, i) => ({
      ...action,
      atMs: READABLE_GAP_MS * (1 + (rank.get(i) ?? 0)),
    })),
  };
  return fails(spread) ? spread : script;
}

function compareNumbersSafe(a: number, b: number): CausalOrder {
  return a < b ? "before" : a > b ? "after" : a === b ? "equal" : "concurrent";
}

/** An event in words, with its rank on its node so that two events at one instant differ. */
function describeEvent(event: CausalEvent): string {
  const what = event.kind === "send"
    ? `send to ${event.peer}`
    : event.kind === "receive"
    ? `receipt from ${event.peer}`
    : "local event";
  return `${event.node}'s event ${event.position + 1} (${what} at ${
    Math.round(event.t * 1000) / 1000
  } ms)`;
}

function notAFunction(title: string, expected: string, value: unknown): ExerciseResult {
  // Not the shared helper: these answers are often objects or classes, so the value is
  // described, not only its type.
  return new ExerciseResult({
    passed: false,
    title,
    details: [`Expected ${expected}, got ${describeValue(value)}.`],
  });
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return String(value);
  if (typeof value === "function") return "a function";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function describeError(error: unknown): string {
  // A reader's exception inside a node comes wrapped in the simulator's error.
  const cause = error instanceof SimulationError && error.cause !== undefined ? error.cause : error;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
