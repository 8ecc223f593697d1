import assert from "node:assert/strict";
import { parseArgs, run } from "../../tools/check_txn.ts";

const DATA = new URL("../../data/transactions/", import.meta.url).pathname;
const decoder = new TextDecoder();

async function check(...args: string[]) {
  const out: string[] = [], err: string[] = [];
  const status = await run(parseArgs(args), (l) => out.push(l), (l) => err.push(l));
  return { status, out, err };
}

Deno.test("check-txn: each classic satisfies exactly the levels that allow its anomaly", async () => {
  // The strongest level each data file satisfies.
  const expected: Record<string, string> = {
    "g0_write_cycle.json": "none",
    "g1a_aborted_read.json": "none",
    "g1b_intermediate_read.json": "none",
    "g1c_circular_flow.json": "none",
    "lost_update.json": "read-committed",
    "read_skew.json": "read-committed",
    "write_skew.json": "snapshot-isolation",
    "stale_read.json": "serializable",
    "serial.json": "strict-serializable",
  };
  const levels = ["read-committed", "snapshot-isolation", "serializable", "strict-serializable"];
  for (const [file, strongest] of Object.entries(expected)) {
    for (const [i, level] of levels.entries()) {
      const { status, out } = await check("--isolation", level, "--json", `${DATA}${file}`);
      const line = JSON.parse(out[0]!);
      const valid = strongest !== "none" && i <= levels.indexOf(strongest);
      assert.equal(line.valid, valid, `${file} at ${level}`);
      assert.equal(status, valid ? 0 : 1);
      assert.equal(line.strongest, strongest);
      if (!valid) assert.ok(line.anomalies.length > 0);
    }
  }
});

Deno.test("check-txn: --json carries the cycle as evidence", async () => {
  const { out } = await check("--isolation", "serializable", "--json", `${DATA}write_skew.json`);
  const line = JSON.parse(out[0]!);
  assert.deepEqual(line.anomalies, ["G2-item"]);
  assert.deepEqual(line.cycle.map((e: { kind: string }) => e.kind), ["rw", "rw"]);
});

Deno.test("check-txn: exit 2 on malformed input, naming the file and the reason", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/bad.json`,
      '[{"process": 0, "type": "ok", "f": "txn", "value": []}]',
    );
    await Deno.writeTextFile(`${dir}/notjson.json`, "[{");
    const bad = await check("--isolation", "serializable", `${dir}/bad.json`, `${DATA}serial.json`);
    assert.equal(bad.status, 2);
    assert.match(bad.err[0]!, /bad\.json: .*record 0: ok on process 0 without an open invoke/);
    const notJson = await check("--isolation", "serializable", "--json", `${dir}/notjson.json`);
    assert.equal(notJson.status, 2);
    assert.match(JSON.parse(notJson.out[0]!).error, /notjson\.json: .*not JSON/);
    const missing = await check("--isolation", "serializable", `${dir}/missing.json`);
    assert.equal(missing.status, 2);
    assert.match(missing.err[0]!, /Cannot read history .*missing\.json/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check-txn: bad command lines are refused with the reason", () => {
  assert.throws(() => parseArgs(["x.json"]), /--isolation LEVEL is required/);
  assert.throws(() => parseArgs(["--isolation", "repeatable-read", "x.json"]), /expected one of/);
  assert.throws(() => parseArgs(["--isolation", "serializable"]), /no history file/);
  assert.throws(
    () => parseArgs(["--isolation=serializable", "--fast", "x.json"]),
    /unknown option/,
  );
  assert.equal(parseArgs(["--isolation=serializable", "x.json"]).isolation, "serializable");
});

Deno.test("deno task check-txn exits 1 on write skew under serializable", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "check-txn", "--isolation", "serializable", "data/transactions/write_skew.json"],
    cwd: new URL("../../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 1);
  assert.match(decoder.decode(output.stdout), /does NOT satisfy serializable[\s\S]*G2-item/);
});
