import assert from "node:assert/strict";
import { basename } from "node:path";
import { NOTEBOOKS_DIR } from "../../tools/jupyter.ts";
import { inspectNotebook } from "../../tools/notebook_hygiene.ts";
import { listNotebooks } from "../../tools/notebook_json.ts";

const chapters = await listNotebooks(NOTEBOOKS_DIR);

Deno.test("committed notebooks are clean: no outputs, Deno kernelspec, normalised JSON", async () => {
  const unclean: string[] = [];
  for (const path of chapters) {
    const { issues } = inspectNotebook(await Deno.readTextFile(path), basename(path));
    if (issues.length > 0) unclean.push(`${basename(path)}: ${issues.join("; ")}`);
  }
  assert.deepEqual(
    unclean,
    [],
    `Run \`deno task notebooks:clean\`, then commit:\n${unclean.join("\n")}`,
  );
});

Deno.test("committed notebooks are named NN_slug.ipynb (NNb_slug for a chapter's second part)", () => {
  const misnamed = chapters.map((path) => basename(path)).filter((name) =>
    !/^\d{2}[a-z]?_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$/.test(name)
  );
  assert.deepEqual(misnamed, [], `Rename to NN_slug.ipynb: ${misnamed.join(", ")}`);
});
