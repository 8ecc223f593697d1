import assert from "node:assert/strict";
import { kernelSpecs } from "../../tools/jupyter.ts";
import { ensureDenoKernel, runSetup } from "../../tools/setup.ts";
import { runTool } from "../run_tool.ts";

Deno.test("setup stops at once with install commands when Jupyter is missing", async () => {
  const emptyBin = await Deno.makeTempDir();
  try {
    const started = performance.now();
    const output = await runTool("tools/setup.ts", [], { env: { PATH: emptyBin } });
    const stderr = output.stderr;
    assert.equal(output.code, 1);
    assert.match(stderr, /^Cannot run the notebooks: Jupyter is not installed/);
    assert.match(stderr, /pip install nbconvert nbclient jupyter_client/);
    assert.match(stderr, /pip install jupyterlab/);
    assert.match(
      stderr,
      /apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client/,
    );
    assert.doesNotMatch(stderr, /Uncaught|^\s+at /m);
    assert.ok(stderr.split("\n").length <= 6, stderr);
    // "At once": it must not have gone on to download dependencies.
    assert.ok(performance.now() - started < 20_000);
  } finally {
    await Deno.remove(emptyBin, { recursive: true });
  }
});

Deno.test("runSetup leaves a registered Deno kernel that a second check finds in place", async () => {
  const report = await runSetup();
  assert.match(report.nbconvertVersion, /^\d+\.\d+/);
  const deno = (await kernelSpecs()).deno;
  assert.ok(deno, "no deno kernelspec after setup");
  const program = deno.spec.argv[0];
  assert.ok(program !== undefined && (await Deno.stat(program)).isFile);
  assert.equal(await ensureDenoKernel(), "present");
});
