import assert from "node:assert/strict";
import { freePort, portIsFree } from "./notebook_server.ts";

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
