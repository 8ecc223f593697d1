import assert from "node:assert/strict";
import { join } from "node:path";
import {
  browserConfig,
  bundleForBrowser,
  DEFAULT_ENTRY,
  DenoApiError,
  findDenoApis,
  HOST_REMAPS,
} from "../../tools/web_bundle.ts";

Deno.test("the registry's browser bundle names no Deno API and reports its size", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const outFile = join(dir, "lib.js");
    const report = await bundleForBrowser({ entry: DEFAULT_ENTRY, outFile });
    const code = await Deno.readTextFile(outFile);
    assert.deepEqual(findDenoApis(code), []);
    assert.equal(report.bytes, new TextEncoder().encode(code).length);
    assert.ok(report.gzipBytes > 0 && report.gzipBytes < report.bytes);
    assert.ok(report.minified);
    // The browser stand-ins are in, the Deno hosts are not.
    assert.match(code, /in a browser page: open this chapter in JupyterLab/);
    assert.doesNotMatch(code, /this is not Deno's Jupyter kernel/);
    assert.match(code, /export\s*\{[^}]*\bLIB_MODULES\b/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a module that calls Deno.readTextFile directly fails the build, named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const outFile = join(dir, "bad.js");
    const entry = new URL("./fixtures/reads_file_entry.ts", import.meta.url).pathname;
    await assert.rejects(bundleForBrowser({ entry, outFile }), (error: unknown) => {
      assert.ok(error instanceof DenoApiError);
      assert.deepEqual(error.uses, [
        { api: "Deno.readTextFile", source: "tests/web/fixtures/reads_file.ts" },
      ]);
      assert.match(error.message, /^Cannot bundle .*reads_file_entry\.ts for the browser/);
      assert.match(
        error.message,
        /Deno\.readTextFile \(from tests\/web\/fixtures\/reads_file\.ts\)/,
      );
      return true;
    });
    // Nothing is written when the check fails.
    await assert.rejects(Deno.stat(outFile), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findDenoApis finds Deno's APIs in code, not the word in a message", () => {
  const code = `let a=Deno.pid;const b=globalThis.Deno?.jupyter;c=Deno ?. env;` +
    `throw new Error("not Deno's kernel");`;
  assert.deepEqual(findDenoApis(code).map((use) => use.api), [
    "Deno.pid",
    "globalThis.Deno?.jupyter",
    "Deno?.env",
  ]);
});

Deno.test("the browser import map remaps every host module by file URL, and keeps deno.json's imports", async () => {
  const { imports } = await browserConfig();
  const project = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  for (const [name, target] of Object.entries(project.imports as Record<string, string>)) {
    assert.equal(imports[name], target);
  }
  for (const remap of HOST_REMAPS) {
    const from = new URL(`../../${remap.module}`, import.meta.url).href;
    assert.equal(imports[from], new URL(`../../${remap.browser}`, import.meta.url).href);
  }
});

Deno.test("a remap to a missing browser module fails the build, named", async () => {
  const missing = { module: "lib/viz/jupyter.ts", browser: "web/host/no_such_host.ts" };
  await assert.rejects(
    browserConfig([...HOST_REMAPS, missing]),
    new Error(
      "Cannot bundle for the browser: the host remap lib/viz/jupyter.ts -> " +
        "web/host/no_such_host.ts names web/host/no_such_host.ts, which does not exist",
    ),
  );
});
