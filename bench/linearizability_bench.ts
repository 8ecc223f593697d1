/**
 * The linearizability checker on the 102 Jepsen etcd histories of
 * `../shared/data/jepsen-etcd` (or the folder named by `JEPSEN_ETCD_DIR`): one iteration
 * checks all of them once, parsing excluded, and `tools/bench.ts` prints the total time.
 * Porcupine (Go) takes about 0.5 s for the same histories on a 2-core machine. Without
 * the data folder the benchmark is skipped with a note on stderr.
 *
 * @module
 */
import { checkLinearizable } from "../lib/check/mod.ts";
import { type History, historyFromJson, jepsenEtcdDir } from "../lib/history/mod.ts";
import type { BenchReport } from "./report.ts";

const NAME = "linearizability-etcd";

const dir = jepsenEtcdDir();
const verdicts: Record<string, boolean> = dir === undefined
  ? {}
  : JSON.parse(Deno.readTextFileSync(`${dir}/verdicts.json`));
const names = Object.keys(verdicts).sort();

let loaded: { name: string; history: History }[] | undefined;
function histories(): { name: string; history: History }[] {
  loaded ??= names.map((name) => ({
    name,
    history: historyFromJson(Deno.readTextFileSync(`${dir}/${name}.json`)),
  }));
  return loaded;
}

/** One JSON line: the histories checked and the time to check them all once. */
export const REPORTS: readonly BenchReport[] = [{
  name: NAME,
  line: (meanNs) => ({
    name: NAME,
    histories: names.length,
    total_ms: Math.round(meanNs / 1e5) / 10,
  }),
}];

if (dir === undefined) {
  // Say it once: in the `deno bench` run, not again where tools/bench.ts reads REPORTS.
  if (Deno.mainModule === import.meta.url) {
    console.error(
      `${NAME}: skipped, no Jepsen etcd histories at ../shared/data/jepsen-etcd ` +
        "(set JEPSEN_ETCD_DIR to their folder)",
    );
  }
} else {
  Deno.bench({
    name: NAME,
    warmup: 5,
    n: 40,
    fn: (b) => {
      const all = histories();
      const valid: (boolean | "unknown")[] = [];
      b.start();
      for (const { history } of all) valid.push(checkLinearizable(history).valid);
      b.end();
      all.forEach(({ name }, i) => {
        if (valid[i] !== verdicts[name]) {
          throw new Error(
            `Cannot trust the benchmark: ${name} checked ${valid[i]}, expected ${verdicts[name]}`,
          );
        }
      });
    },
  });
}
