/**
 * `deno task check-txn`: checks transaction history files (list-append, Jepsen's JSON form)
 * against an isolation level.
 *
 * ```sh
 * deno task check-txn --isolation serializable data/transactions/write_skew.json
 * deno task check-txn --isolation snapshot-isolation --json data/transactions/*.json
 * ```
 *
 * Each file gets a verdict: a line of text with the anomalies that rule the level out and
 * the cycle that shows the first, or with `--json` one JSON object per line,
 * `{"file", "valid", "isolation", "anomalies", "strongest", "cycle", "evidence"}`. Exit
 * status: 0 when every history satisfies the level, 1 when one does not, 2 for malformed
 * input or a bad command line; 2 wins over 1.
 *
 * @module
 */
import {
  checkTransactions,
  ISOLATION_LEVELS,
  type IsolationLevel,
  satisfiesLevel,
  TxnHistoryError,
} from "../lib/transactions/mod.ts";
import { runCheckerCli } from "./invocation.ts";

/** The text `--help` prints. */
export const USAGE = `Usage: deno task check-txn --isolation LEVEL [--json] FILE...

Checks each transaction history file (a JSON array of Jepsen-style list-append
transactions, {"process", "type", "f": "txn", "value": [["append", "x", 1], ["r", "y", [1]]]})
against an isolation level, with an Elle-style dependency-cycle checker.

Options:
  --isolation LEVEL   read-committed, snapshot-isolation, serializable or strict-serializable
  --json              one JSON object per file and line: {"file", "valid", "anomalies", ...}
  --help              this text

Exit status: 0 all satisfy the level, 1 some do not, 2 malformed input or bad usage.`;

/** The parsed command line. */
export interface CheckTxnArgs {
  /** The files, in the order given. */
  readonly files: readonly string[];
  /** The level to check. */
  readonly isolation: IsolationLevel;
  /** JSON lines instead of text. */
  readonly json: boolean;
  /** Print the usage and stop. */
  readonly help: boolean;
}

/** Parses the command line; throws a RangeError with a message for the user on bad usage. */
export function parseArgs(args: readonly string[]): CheckTxnArgs {
  const files: string[] = [];
  let isolation: IsolationLevel | undefined, json = false, help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    if (flag === "--json") json = true;
    else if (flag === "--help" || flag === "-h") help = true;
    else if (flag === "--isolation") {
      const level = inline ?? args[++i];
      if (level === undefined) throw new RangeError("Cannot parse --isolation: it needs a value");
      if (!ISOLATION_LEVELS.includes(level as IsolationLevel)) {
        throw new RangeError(
          `Cannot parse --isolation: expected one of ${
            ISOLATION_LEVELS.join(", ")
          }, got "${level}"`,
        );
      }
      isolation = level as IsolationLevel;
    } else if (arg.startsWith("-") && arg !== "-") {
      throw new RangeError(`Cannot parse ${arg}: unknown option`);
    } else files.push(arg);
  }
  if (help) return { files, isolation: isolation ?? "serializable", json, help };
  if (isolation === undefined) throw new RangeError("Cannot check: --isolation LEVEL is required");
  if (files.length === 0) throw new RangeError("Cannot check: no history file given");
  return { files, isolation, json, help };
}

/**
 * Checks every file of the command line, writing one result per file as it goes, and
 * returns the exit status.
 */
export async function run(
  args: CheckTxnArgs,
  write: (line: string) => void,
  writeError: (line: string) => void,
): Promise<number> {
  let status = 0;
  for (const file of args.files) {
    let result;
    try {
      const text = await Deno.readTextFile(file);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new TxnHistoryError(
          `not JSON (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      result = checkTransactions(parsed);
    } catch (error) {
      status = 2;
      const reason = error instanceof Error ? error.message : String(error);
      const message = error instanceof TxnHistoryError
        ? `${file}: ${reason}`
        : `Cannot read history ${file}: ${reason}`;
      if (args.json) {
        const index = error instanceof TxnHistoryError ? error.index : undefined;
        write(JSON.stringify({ file, valid: "unknown", error: message, index }));
      } else writeError(message);
      continue;
    }
    const verdict = satisfiesLevel(result, args.isolation);
    if (!verdict.valid && status === 0) status = 1;
    const names = [...new Set(verdict.anomalies.map((a) => a.name))].sort();
    const withCycle = verdict.anomalies.find((a) => a.cycle !== undefined);
    if (args.json) {
      write(JSON.stringify({
        file,
        valid: verdict.valid,
        isolation: args.isolation,
        anomalies: names,
        strongest: result.strongest,
        transactions: result.transactions.size,
        ...(withCycle === undefined ? {} : { cycle: withCycle.cycle }),
        evidence: verdict.anomalies.slice(0, 5).map((a) => `${a.name}: ${a.message}`),
      }));
    } else {
      write(
        `${file}: ${verdict.valid ? "satisfies" : "does NOT satisfy"} ${args.isolation} ` +
          `(${result.transactions.size} transactions; strongest level: ${result.strongest})`,
      );
      // A cycle anomaly's message is its cycle, edge by edge.
      for (const anomaly of verdict.anomalies.slice(0, 5)) {
        write(`    ${anomaly.name}: ${anomaly.message}`);
      }
    }
  }
  return status;
}

if (import.meta.main) {
  await runCheckerCli({ usage: USAGE, parseArgs, run });
}
