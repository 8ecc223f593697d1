/**
 * Checker results in words: the verdict and, for a history that is not linearizable, the
 * evidence laid out to be read top to bottom.
 *
 * @module
 */
import { formatValue } from "../config/mod.ts";
import type {
  LinearizabilityEvidence,
  LinearizabilityResult,
  OperationSummary,
} from "./linearizability.ts";

/** Options of {@link describeEvidence} and {@link describeResult}. */
export interface DescribeEvidenceOptions {
  /** How many operations of the linearizable prefix to list (its last ones). Default 8. */
  readonly prefixOperations?: number;
}

/**
 * The verdict in one line, followed by the evidence when the history is not linearizable.
 *
 * @example
 * ```ts
 * import { checkLinearizable } from "./linearizability.ts";
 * import type { History } from "../history/mod.ts";
 *
 * const history: History = [
 *   { process: 0, type: "invoke", f: "write", value: 1 },
 *   { process: 0, type: "ok", f: "write", value: 1 },
 *   { process: 1, type: "invoke", f: "read", value: null },
 *   { process: 1, type: "ok", f: "read", value: null }, // stale: 1 was written before
 * ];
 * console.log(describeResult(checkLinearizable(history)));
 * // Not linearizable (register, 2 operations searched in 2 steps).
 * // p1 read → null (events 2 to 3 of the history) cannot be linearized: ...
 * ```
 */
export function describeResult(
  result: LinearizabilityResult,
  options: DescribeEvidenceOptions = {},
): string {
  const operations = result.keys.reduce((sum, key) => sum + key.operations, 0);
  const keyCount = result.model === "kv"
    ? `, ${result.keys.length} key${result.keys.length === 1 ? "" : "s"}`
    : "";
  const scope = `${result.model}${keyCount}, ${operations} operation${
    operations === 1 ? "" : "s"
  } searched in ${result.steps} step${result.steps === 1 ? "" : "s"}`;
  if (result.valid === true) return `Linearizable (${scope}).`;
  if (result.valid === "unknown") {
    return `Unknown: ${result.reason ?? "the search budget ran out"} (${scope}).`;
  }
  const head = `Not linearizable (${scope}).`;
  return result.evidence === undefined
    ? head
    : `${head}\n${describeEvidence(result.evidence, options)}`;
}

/**
 * The evidence as text: the summary sentence, the end of the longest linearizable prefix
 * with each operation's interval, the register's value there, and every pending
 * operation with the reason it could not go next.
 *
 * @example
 * ```ts
 * import { checkLinearizable } from "./linearizability.ts";
 * import type { History } from "../history/mod.ts";
 *
 * const history: History = [
 *   { process: 0, type: "invoke", f: "write", value: 1 },
 *   { process: 0, type: "ok", f: "write", value: 1 },
 *   { process: 1, type: "invoke", f: "read", value: null },
 *   { process: 1, type: "ok", f: "read", value: null }, // stale: 1 was written before
 * ];
 * const { evidence } = checkLinearizable(history);
 * if (evidence !== undefined) console.log(describeEvidence(evidence, { prefixOperations: 4 }));
 * // p1 read → null (events 2 to 3 of the history) cannot be linearized: ...
 * // → p1 read → null  [events 2–3]  returned null, but the register holds 1
 * ```
 */
export function describeEvidence(
  evidence: LinearizabilityEvidence,
  options: DescribeEvidenceOptions = {},
): string {
  const shown = options.prefixOperations ?? 8;
  if (!Number.isInteger(shown) || shown < 0) {
    throw new RangeError(
      `Cannot describe evidence: prefixOperations must be a whole number ≥ 0, got ${shown}`,
    );
  }
  const lines = [evidence.summary];
  const prefix = evidence.linearized;
  if (prefix.length > 0) {
    const tail = shown === 0 ? [] : prefix.slice(-shown);
    const earlier = prefix.length - tail.length;
    lines.push(
      `Longest linearizable prefix found: ${prefix.length} operation${
        prefix.length === 1 ? "" : "s"
      }, in the order they take effect${earlier > 0 ? ` (last ${tail.length})` : ""}:`,
    );
    if (earlier > 0) lines.push(`  … ${earlier} earlier`);
    const width = Math.max(...tail.map((op) => op.label.length));
    for (const op of tail) lines.push(`  ${op.label.padEnd(width)}  ${interval(op)}`);
  }
  lines.push(`The register then holds ${formatValue(evidence.value)}.`);
  const when = evidence.failedAtTime === undefined
    ? `event ${evidence.failedAt}`
    : `${Math.round(evidence.failedAtTime * 1000) / 1000} ms`;
  lines.push(`Pending when ${evidence.operation.label} completes (at ${when}):`);
  const width = Math.max(...evidence.pending.map((p) => p.operation.label.length));
  for (const { operation, why } of evidence.pending) {
    const marker = operation.index === evidence.operation.index ? "→" : " ";
    lines.push(
      `${marker} ${operation.label.padEnd(width)}  ${interval(operation).padEnd(12)}  ${why}`,
    );
  }
  return lines.join("\n");
}

/** An operation's interval: in ms when the history has times, else in event positions. */
function interval(op: OperationSummary): string {
  const ms = (t: number) => String(Math.round(t * 1000) / 1000);
  if (op.invokeTime !== undefined) {
    return op.outcome === "ok" && op.completeTime !== undefined
      ? `[${ms(op.invokeTime)}–${ms(op.completeTime)} ms]`
      : `[${ms(op.invokeTime)} ms–…)`;
  }
  if (op.outcome === "ok") return `[events ${op.index}–${op.completeIndex}]`;
  return `[event ${op.index}–…)`;
}
