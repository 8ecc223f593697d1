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
  const loaded = await loadJepsenEtcd(dir);
  assert.deepEqual(loaded.map(({ name, linearizable }) => [name, linearizable]), [
    ["a", true],
    ["b", false],
  ]);
  assert.equal(loaded[0]?.history.length, 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadJepsenEtcd reads the repository's 102 histories, 23 of them linearizable", async () => {
  const loaded = await loadJepsenEtcd();
  assert.equal(loaded.length, 102);
  assert.equal(loaded.filter((item) => item.linearizable).length, 23);
  assert.equal(loaded[0]?.name, "etcd_000");
  const realRoot = Deno.realPathSync(new URL("../..", import.meta.url));
  assert.ok(Deno.realPathSync(jepsenEtcdDir()).startsWith(`${realRoot}/data/`));
});

Deno.test("loadJepsenEtcd names the folder it cannot read", async () => {
  await assert.rejects(
    () => loadJepsenEtcd("/nonexistent/jepsen-etcd"),
    /^Error: Cannot load the Jepsen etcd histories: .*\/nonexistent\/jepsen-etcd\/verdicts\.json/,
  );
});
