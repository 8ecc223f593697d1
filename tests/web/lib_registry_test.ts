import assert from "node:assert/strict";
import { LIB_MODULES } from "../../web/lib_registry.ts";

Deno.test("the browser registry lists lib/mod.ts and every topic's mod.ts", () => {
  const topics = [...Deno.readDirSync(new URL("../../lib", import.meta.url))]
    .filter((entry) => entry.isDirectory)
    .map((entry) => `lib/${entry.name}/mod.ts`)
    .filter((path) => {
      try {
        return Deno.statSync(new URL(`../../${path}`, import.meta.url)).isFile;
      } catch {
        return false;
      }
    });
  assert.deepEqual(Object.keys(LIB_MODULES).sort(), ["lib/mod.ts", ...topics].sort());
});
