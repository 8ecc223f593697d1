import assert from "node:assert/strict";
import { join } from "node:path";
import { parseServeArgs, respond, serveSite } from "../../tools/serve.ts";

Deno.test("serve answers files with their MIME type, a folder with its index, 404 otherwise", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "assets"));
    await Deno.writeTextFile(join(dir, "index.html"), "<p>home</p>");
    await Deno.writeTextFile(join(dir, "assets", "worker.js"), "postMessage(1);");
    const js = await respond(dir, "/assets/worker.js");
    assert.equal(js.status, 200);
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(await js.text(), "postMessage(1);");
    const index = await respond(dir, "/");
    assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await index.text(), "<p>home</p>");
    for (const path of ["/missing.html", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd"]) {
      const response = await respond(dir, path);
      assert.equal(response.status, 404, path);
      await response.body?.cancel();
    }

    const server = await serveSite({ dir, port: 0 });
    try {
      const response = await fetch(new URL("assets/worker.js", server.url));
      assert.equal(response.headers.get("content-type"), "text/javascript; charset=utf-8");
      assert.equal(await response.text(), "postMessage(1);");
    } finally {
      await server.shutdown();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseServeArgs reads --port and a folder", () => {
  assert.deepEqual(parseServeArgs([]), { dir: "dist" });
  assert.deepEqual(parseServeArgs(["--port", "9000", "site"]), { dir: "site", port: 9000 });
  assert.deepEqual(parseServeArgs(["--port=0"]), { dir: "dist", port: 0 });
  assert.throws(() => parseServeArgs(["--port", "x"]), /Cannot parse --port x/);
  assert.throws(() => parseServeArgs(["--fast"]), /unknown option/);
  assert.throws(() => parseServeArgs(["a", "b"]), /one folder/);
});
