/**
 * fast-check arbitraries the self-checks search the reader's code with: random inputs,
 * shrunk to a small counterexample when the reader's answer fails on one.
 *
 * @module
 */
import fc from "fast-check";
import { parseConfig } from "../config/validate.ts";
import { type CausalScript, CausalScriptSchema } from "../clocks/causal_trace.ts";

/** Options of {@link causalScriptArbitrary}. */
export interface CausalScriptArbitraryOptions {
  /** Most nodes (at least 2). Default 4. */
  readonly maxNodes?: number;
  /** Most actions. Default 12. */
  readonly maxActions?: number;
  /** Actions happen at whole ms from 0 to this. Default 60. */
  readonly maxAtMs?: number;
  /** Draw loss and duplication too (each 0 or 0.25). Default true. */
  readonly faults?: boolean;
}

/**
 * A fast-check arbitrary of small random scripts, for property tests and self-checks:
 * 2 to `maxNodes` nodes, up to `maxActions` sends and local events, random delays (so
 * messages overtake each other), and optionally loss and duplication. It shrinks towards
 * fewer nodes, fewer actions, earlier times and no faults, so a failure comes with a small
 * script.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { auditClock } from "../clocks/clock_audit.ts";
 * import { compareNumbers } from "../clocks/causal_clock.ts";
 * import { runCausalScript } from "../clocks/causal_trace.ts";
 * import { LamportClock } from "../clocks/lamport_clock.ts";
 *
 * fc.assert(fc.property(causalScriptArbitrary(), (script) => {
 *   const run = runCausalScript(script, { lamport: () => new LamportClock() });
 *   return auditClock(run.truth, run.stamps.lamport, compareNumbers).violations === 0;
 * }));
 * ```
 */
export function causalScriptArbitrary(
  options: CausalScriptArbitraryOptions = {},
): fc.Arbitrary<CausalScript> {
  const maxNodes = options.maxNodes ?? 4;
  const maxActions = options.maxActions ?? 12;
  const maxAtMs = options.maxAtMs ?? 60;
  if (!Number.isInteger(maxNodes) || maxNodes < 2) {
    throw new RangeError(
      `Cannot draw scripts: maxNodes must be a whole number at least 2, got ${maxNodes}`,
    );
  }
  const faultValues = options.faults === false ? [0] : [0, 0.25];
  return fc.record({
    nodes: fc.integer({ min: 2, max: maxNodes }),
    actions: fc.array(
      fc.record({
        node: fc.nat({ max: maxNodes - 1 }),
        atMs: fc.integer({ min: 0, max: maxAtMs }),
        send: fc.boolean(),
        to: fc.nat({ max: maxNodes - 2 }),
      }),
      { maxLength: maxActions },
    ),
    seed: fc.integer({ min: 0, max: 1000 }),
    lossProbability: fc.constantFrom(...faultValues),
    duplicateProbability: fc.constantFrom(...faultValues),
  }).map(({ nodes, actions, seed, lossProbability, duplicateProbability }) =>
    parseConfig(CausalScriptSchema, {
      nodes,
      seed,
      lossProbability,
      duplicateProbability,
      // Raw draws are wrapped into range, so shrinking `nodes` never makes a script invalid.
      actions: actions.map(({ node, atMs, send, to }) => {
        const from = node % nodes;
        return send
          ? { node: from, atMs, kind: "send" as const, to: (from + 1 + (to % (nodes - 1))) % nodes }
          : { node: from, atMs, kind: "local" as const, to: 0 };
      }),
    }, "script")
  );
}
