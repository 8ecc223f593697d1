/**
 * Errors a run can end with. Each names the seed, the virtual time and the kind of
 * failure, and ends with the line that replays the run.
 *
 * @module
 */

/** What went wrong in a run. */
export type FailureKind =
  /** A node's handler threw. */
  | "node-exception"
  /** An invariant checked during the run was broken. */
  | "safety"
  /** Something that should eventually happen did not happen in time. */
  | "liveness"
  /** The run hit its event budget (an endless loop of messages or timers?). */
  | "bound-exceeded";

/** Where and how a run failed. */
export interface SimulationFailure {
  /** The kind of failure. */
  readonly kind: FailureKind;
  /** The run's master seed. */
  readonly seed: number;
  /** True (virtual) time of the failure, in ms. */
  readonly timeMs: number;
  /** The line that reproduces the run. */
  readonly replay: string;
  /** The last trace lines before the failure, when the run was recording. */
  readonly excerpt?: readonly string[];
}

/**
 * A run failed. The message reads:
 * ```text
 * Cannot deliver Ping n1 → n2: TypeError: boom
 *   seed 42, virtual time 12.345 ms, node-exception
 *   replay: deno task exp run ping --seed 42
 * ```
 */
export class SimulationError extends Error implements SimulationFailure {
  /** {@inheritDoc SimulationFailure.kind} */
  readonly kind: FailureKind;
  /** {@inheritDoc SimulationFailure.seed} */
  readonly seed: number;
  /** {@inheritDoc SimulationFailure.timeMs} */
  readonly timeMs: number;
  /** {@inheritDoc SimulationFailure.replay} */
  readonly replay: string;
  /** {@inheritDoc SimulationFailure.excerpt} */
  readonly excerpt: readonly string[];

  /** An error whose message is `summary` followed by the failure's seed, time and replay. */
  constructor(summary: string, failure: SimulationFailure, options?: ErrorOptions) {
    const excerpt = failure.excerpt ?? [];
    const lines = [
      summary,
      `  seed ${failure.seed}, virtual time ${failure.timeMs.toFixed(3)} ms, ${failure.kind}`,
      ...(excerpt.length > 0 ? ["  last events:", ...excerpt.map((line) => `    ${line}`)] : []),
      `  replay: ${failure.replay}`,
    ];
    super(lines.join("\n"), options);
    this.name = "SimulationError";
    this.kind = failure.kind;
    this.seed = failure.seed;
    this.timeMs = failure.timeMs;
    this.replay = failure.replay;
    this.excerpt = excerpt;
  }
}
