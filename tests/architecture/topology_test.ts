/** Topologies: who talks to whom is what the architecture says, and nothing else. */
import assert from "node:assert/strict";
import {
  ARCHITECTURES,
  buildTopology,
  messageMatrix,
  topologyOf,
} from "../../lib/architecture/mod.ts";

Deno.test("messageMatrix shows exactly the known links and their answers", () => {
  for (const architecture of ARCHITECTURES) {
    const knows = topologyOf(architecture, 1);
    const counts = messageMatrix(buildTopology(architecture, 1, { runMs: 300 }));
    for (const { from, to } of counts) {
      assert.ok(
        knows[from]!.includes(to) || knows[to]!.includes(from),
        `${architecture}: ${from}→${to}`,
      );
    }
    const links = Object.entries(knows).flatMap(([from, tos]) => tos.map((to) => [from, to]));
    for (const [from, to] of links) {
      assert.ok(counts.some((c) => c.from === from && c.to === to), `${from}→${to} unused`);
    }
  }
});

Deno.test("client-server: every message goes to or from the server", () => {
  const counts = messageMatrix(buildTopology("client-server", 2, { runMs: 200 }));
  assert.ok(counts.every((c) => c.from === "server" || c.to === "server"));
});
