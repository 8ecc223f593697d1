/**
 * Reading and writing histories as JSON files: an array with one operation record per
 * line, the layout of the course's data files and of the Jepsen etcd histories.
 *
 * @module
 */
import { readTextFile, writeTextFile } from "./files.ts";
import { type History, HistoryError, parseHistory } from "./operation.ts";

/**
 * Parses JSON text as a history and validates it (see {@link parseHistory}). Throws a
 * {@link HistoryError}: without an index when the text is not JSON, with the index of the
 * first bad record otherwise.
 *
 * @example
 * ```ts
 * historyFromJson('[{"process":0,"type":"invoke","f":"read","value":null}]').length; // 1
 * ```
 */
export function historyFromJson(text: string): History {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new HistoryError(undefined, `not valid JSON (${why})`, { cause: error });
  }
  return parseHistory(input);
}

/**
 * A history as JSON text: an array with one record per line, fields in Jepsen's order.
 *
 * @example
 * ```ts
 * historyToJson([{ process: 0, type: "invoke", f: "read", value: null }]);
 * // '[\n{"process":0,"type":"invoke","f":"read","value":null}\n]\n'
 * ```
 */
export function historyToJson(history: History): string {
  const lines = history.map((op) =>
    JSON.stringify({
      process: op.process,
      type: op.type,
      f: op.f,
      ...(op.key === undefined ? {} : { key: op.key }),
      value: op.value === undefined ? null : op.value,
      ...(op.time === undefined ? {} : { time: op.time }),
      ...(op.index === undefined ? {} : { index: op.index }),
    })
  );
  return lines.length === 0 ? "[]\n" : `[\n${lines.join(",\n")}\n]\n`;
}

/**
 * Reads and validates a history file. Throws a {@link HistoryError} for malformed content
 * (the message names the file); file-system errors pass through.
 *
 * @example
 * ```ts
 * const history = await loadHistory("data/histories/register_stale_reads.json"); // relative to the working directory
 * ```
 */
export async function loadHistory(path: string | URL): Promise<History> {
  const text = await readTextFile(path);
  try {
    return historyFromJson(text);
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    const source = path instanceof URL ? path.pathname : path;
    throw new HistoryError(error.index, error.reason, { source, cause: error });
  }
}

/**
 * Writes a history to a file as {@link historyToJson} lays it out.
 *
 * @example
 * ```ts
 * import { runRegisterWorkload } from "./register_workload.ts";
 *
 * const { history } = runRegisterWorkload({ seed: 1 });
 * await saveHistory(await Deno.makeTempFile({ suffix: ".json" }), history);
 * ```
 */
export async function saveHistory(path: string | URL, history: History): Promise<void> {
  await writeTextFile(path, historyToJson(history));
}
