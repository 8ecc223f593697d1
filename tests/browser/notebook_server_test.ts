import assert from "node:assert/strict";
import { freePort, portIsFree, processesMentioning } from "./notebook_server.ts";

Deno.test("freePort gives a port that portIsFree agrees on, until something listens", () => {
  const port = freePort();
  assert.ok(port > 0 && port < 65536);
  assert.equal(portIsFree(port), true);
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  try {
    assert.equal(portIsFree(port), false);
  } finally {
    listener.close();
  }
  assert.equal(portIsFree(port), true);
});

Deno.test("processesMentioning finds a running process by its command line, and not once it ended", async () => {
  const marker = `marker_${crypto.randomUUID()}`;
  const child = new Deno.Command("sh", {
    args: ["-c", "sleep 30; :", marker],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    assert.deepEqual(await processesMentioning(marker), [child.pid]);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  assert.deepEqual(await processesMentioning(marker), []);
});
