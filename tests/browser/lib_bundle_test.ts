import assert from "node:assert/strict";
import { join } from "node:path";
import { bundleForBrowser } from "../../tools/web_bundle.ts";
import { LIB_MODULES } from "../../web/lib_registry.ts";
import { progressBundle, type ProgressState } from "../../lib/experiments/progress.ts";
import { launchChromium } from "./chromium.ts";
import { probeLibrary, type ProbeResult } from "./fixtures/lib_probe.ts";

/** What the probe worker posts back. */
interface WorkerReport {
  readonly error?: string;
  readonly result: ProbeResult;
  readonly displays: readonly unknown[];
  readonly progress: readonly ProgressState[];
  readonly hasDocument: boolean;
  readonly fileError: string;
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Library bundle probe</title>
<p>The probe runs in a module worker.</p>
`;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
};

/** A static server for one folder on a free port of 127.0.0.1. */
function serveFolder(dir: string): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const name = new URL(request.url).pathname.replace(/^\/$/, "/index.html").slice(1);
    if (!/^[\w.-]+$/.test(name)) return new Response("not found", { status: 404 });
    try {
      const body = await Deno.readFile(join(dir, name));
      const type = TYPES[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

Deno.test("the library's browser bundle runs in a module worker, byte for byte as under Deno", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lib_bundle_" });
  const userDataDir = await Deno.makeTempDir({ prefix: "lib_bundle_profile_" });
  const server = serveFolder(dir);
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    await bundleForBrowser({
      entry: new URL("./fixtures/lib_probe_worker.ts", import.meta.url).pathname,
      outFile: join(dir, "probe_worker.js"),
    });
    await Deno.writeTextFile(join(dir, "index.html"), PAGE);
    browser = await launchChromium({ userDataDir });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.addr.port}/`);
    const report = await page.evaluate(() =>
      new Promise<unknown>((resolve) => {
        const worker = new Worker("/probe_worker.js", { type: "module" });
        worker.onmessage = (event) => resolve(event.data);
        worker.onerror = (event) => resolve({ error: `worker error: ${event.message}` });
        setTimeout(() => resolve({ error: "the worker posted nothing in 15 s" }), 15_000);
        worker.postMessage("run");
      })
    ) as WorkerReport;
    assert.equal(report.error, undefined, report.error);

    const expected = await probeLibrary(LIB_MODULES, false);
    // Field by field first, so a failure names what differs.
    for (const key of Object.keys(expected) as (keyof ProbeResult)[]) {
      assert.deepEqual(report.result[key], expected[key], `${key} differs from Deno's`);
    }
    assert.deepEqual(report.result, expected);
    assert.equal(report.hasDocument, false, "a worker has no DOM: figures use linkedom's");

    // The sweep leaves the notebook's "done" line as an output, then show(figure) hands the
    // page the bundle the kernel would be handed.
    assert.deepEqual(report.displays, [
      progressBundle(report.progress.at(-1)!),
      expected.histogramBundle,
    ]);
    // The sweep's `progress: true` went to the page: from 0 to all 12 trials, then done.
    const first = report.progress[0], last = report.progress.at(-1);
    assert.deepEqual([first?.done, first?.status], [0, "running"]);
    assert.deepEqual([last?.done, last?.total, last?.status], [12, 12, "done"]);
    assert.equal(
      report.fileError,
      "Cannot read data/histories/register_stale_reads.json in a browser page: " +
        "open this chapter in JupyterLab to run cells that read files",
    );
  } finally {
    await browser?.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(userDataDir, { recursive: true });
  }
});
