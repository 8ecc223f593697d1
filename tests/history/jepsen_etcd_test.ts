import assert from "node:assert/strict";
import { jepsenEtcdDir, loadJepsenEtcd } from "../../lib/history/mod.ts";

Deno.test("loadJepsenEtcd reads a folder of histories, sorted, with their verdicts", async () => {
  const dir = await Deno.makeTempDir();
  const write = [
    { process: 0, type: "invoke", f: "write", value: 1 },
    { process: 0, type: "ok", f: "write", value: 1 },
  ];
  await Deno.writeTextFile(`${dir}/verdicts.json`, JSON.stringify({ b: false, a: true }));
  await Deno.writeTextFile(`${dir}/a.json`, JSON.stringify(write));
  await Deno.writeTextFile(`${dir}/b.json`, JSON.stringify(write));
  assert.equal(jepsenEtcdDir(dir), dir);
  const loaded = await loadJepsenEtcd(dir);
  assert.deepEqual(loaded?.map(({ name, linearizable }) => [name, linearizable]), [
    ["a", true],
    ["b", false],
  ]);
  assert.equal(loaded?.[0]?.history.length, 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadJepsenEtcd gives undefined when the folder is absent", async () => {
  assert.equal(jepsenEtcdDir("/nonexistent/jepsen-etcd"), undefined);
  assert.equal(await loadJepsenEtcd("/nonexistent/jepsen-etcd"), undefined);
});
