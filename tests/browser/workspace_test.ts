import assert from "node:assert/strict";
import { join } from "node:path";
import { createNotebookWorkspace, removeStaleWorkspaces } from "./workspace.ts";

async function fakeRepo(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "workspace_test_" });
  await Deno.mkdir(join(root, "notebooks"));
  await Deno.mkdir(join(root, "lib"));
  await Deno.writeTextFile(join(root, "lib", "mod.ts"), "export const x = 1;\n");
  await Deno.writeTextFile(join(root, "notebooks", "00_a.ipynb"), '{"cells": []}\n');
  await Deno.writeTextFile(join(root, "notebooks", "01_b.ipynb"), '{"cells": [1]}\n');
  return root;
}

Deno.test("createNotebookWorkspace copies the chapters, links lib/ beside them and removes it all", async () => {
  const repo = await fakeRepo();
  try {
    const chapters = ["00_a.ipynb", "01_b.ipynb"].map((name) => join(repo, "notebooks", name));
    const workspace = await createNotebookWorkspace(chapters, {
      repoRoot: repo,
      parentDir: join(repo, "dist"),
    });
    assert.deepEqual(workspace.notebooks, ["notebooks/00_a.ipynb", "notebooks/01_b.ipynb"]);
    assert.ok(workspace.runDir.startsWith(join(repo, "dist", ".browser_test_")));
    assert.equal(workspace.rootDir, join(workspace.runDir, "site"));
    // `../lib/mod.ts` from the copies' folder reaches the repository's library.
    const viaLink = join(workspace.rootDir, "notebooks", "..", "lib", "mod.ts");
    assert.equal(await Deno.readTextFile(viaLink), "export const x = 1;\n");
    assert.equal((await Deno.lstat(join(workspace.rootDir, "lib"))).isSymlink, true);
    // No data/ in this repository: nothing is linked for it.
    await assert.rejects(Deno.lstat(join(workspace.rootDir, "data")), Deno.errors.NotFound);

    // Writing to a copy leaves the original as it was.
    await Deno.writeTextFile(join(workspace.rootDir, workspace.notebooks[0]!), "changed");
    assert.equal(await Deno.readTextFile(chapters[0]!), '{"cells": []}\n');

    assert.equal(await workspace.scratchDir("profile"), join(workspace.runDir, "profile"));
    await assert.rejects(workspace.scratchDir("../x"), RangeError);
    await assert.rejects(workspace.scratchDir("site"), RangeError);

    await workspace.remove();
    await assert.rejects(Deno.stat(workspace.runDir), Deno.errors.NotFound);
    assert.equal(await Deno.readTextFile(join(repo, "lib", "mod.ts")), "export const x = 1;\n");
  } finally {
    await Deno.remove(repo, { recursive: true });
  }
});

Deno.test("createNotebookWorkspace refuses two chapters of the same name and leaves nothing", async () => {
  const repo = await fakeRepo();
  try {
    const path = join(repo, "notebooks", "00_a.ipynb");
    const parentDir = join(repo, "dist");
    await assert.rejects(
      createNotebookWorkspace([path, path], { repoRoot: repo, parentDir }),
      /Cannot copy .*: two chapters are named 00_a\.ipynb/,
    );
    assert.deepEqual([...Deno.readDirSync(parentDir)], []);
  } finally {
    await Deno.remove(repo, { recursive: true });
  }
});

Deno.test("removeStaleWorkspaces deletes only old run folders that no process names", async () => {
  const repo = await fakeRepo();
  const parentDir = join(repo, "dist");
  const make = () => createNotebookWorkspace([], { repoRoot: repo, parentDir });
  const [abandoned, inUse, fresh] = [await make(), await make(), await make()];
  const hourAgo = new Date(Date.now() - 3_600_000);
  await Deno.utime(abandoned.runDir, hourAgo, hourAgo);
  await Deno.utime(inUse.runDir, hourAgo, hourAgo);
  await Deno.mkdir(join(parentDir, "screenshots"));
  await Deno.utime(join(parentDir, "screenshots"), hourAgo, hourAgo);
  // A process of a run still going names its folder, as the notebook server does.
  const server = new Deno.Command("sh", {
    args: ["-c", "sleep 30; :", `--notebook-dir=${inUse.rootDir}`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    assert.deepEqual(await removeStaleWorkspaces({ parentDir }), [abandoned.runDir]);
    const left = [...Deno.readDirSync(parentDir)].map((entry) => join(parentDir, entry.name));
    assert.deepEqual(
      left.sort(),
      [inUse.runDir, fresh.runDir, join(parentDir, "screenshots")].sort(),
    );
  } finally {
    server.kill("SIGKILL");
    await server.status;
    await Deno.remove(repo, { recursive: true });
  }
});
