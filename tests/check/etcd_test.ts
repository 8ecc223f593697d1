/**
 * The 102 Jepsen etcd histories of data/jepsen-etcd: every verdict must match the one
 * Porcupine's test suite asserts.
 */
import assert from "node:assert/strict";
import { checkLinearizable, describeResult } from "../../lib/check/mod.ts";
import { loadHistory } from "../../lib/history/mod.ts";
import { etcdDataDir } from "./helpers.ts";

const dir = etcdDataDir();

Deno.test({
  name: "checkLinearizable matches the 102 Jepsen etcd verdicts",
  fn: async () => {
    const verdicts: Record<string, boolean> = JSON.parse(
      await Deno.readTextFile(`${dir}/verdicts.json`),
    );
    const names = Object.keys(verdicts).sort();
    assert.equal(names.length, 102);
    let invalid = 0;
    for (const name of names) {
      const history = await loadHistory(`${dir}/${name}.json`);
      const result = checkLinearizable(history);
      assert.equal(result.valid, verdicts[name], `${name}: ${describeResult(result)}`);
      if (result.valid === false) {
        invalid++;
        const evidence = result.evidence!;
        assert.equal(history[evidence.failedAt]?.type, "ok", `${name} fails at an ok record`);
        assert.ok(evidence.pending.length >= 1);
      }
    }
    assert.equal(invalid, 79);
  },
});
