/**
 * The module worker that runs an exported chapter's cells in the reader's browser: the page
 * sends the chapter's code cells (`load`) and then one `run` per Run button press; this
 * worker answers with the run's outputs, console text, progress, errors and a final `done`
 * (see web/messages.ts). To cancel a run, the page terminates the worker and starts a fresh
 * one, whose scope starts empty.
 *
 * @module
 */
import { CellRunner } from "./cell_runner.ts";
import { LIB_MODULES } from "./lib_registry.ts";
import type { FromWorker, ToWorker } from "./messages.ts";

/** The part of a worker's global scope this worker uses (Deno's types have no worker DOM). */
interface WorkerScope {
  onmessage: ((event: { data: ToWorker }) => void) | null;
  postMessage(message: FromWorker): void;
}

const worker = globalThis as unknown as WorkerScope;
const runner = new CellRunner({
  modules: LIB_MODULES,
  post: (message) => worker.postMessage(message),
});

// Runs go one at a time, in the order the page asked for them.
let queue: Promise<void> = Promise.resolve();

worker.onmessage = (event) => {
  const message = event.data;
  if (message.type === "load") runner.load(message.cells);
  else if (message.type === "run") {
    const { runId } = message;
    queue = queue
      .then(() => runner.run(runId, message.index, message.source, message.edits))
      // A run that fails outside the cell (a message the page cannot receive) still ends,
      // and the runs queued after it still run.
      .catch((error: unknown) => {
        const evalue = error instanceof Error ? error.message : String(error);
        worker.postMessage({
          type: "error",
          runId,
          error: { ename: "Error", evalue, text: `Cannot run this cell: ${evalue}`, index: -1 },
        });
        worker.postMessage({ type: "done", runId, ok: false, ms: 0, cellMs: 0, ranFirst: [] });
      });
  }
};
