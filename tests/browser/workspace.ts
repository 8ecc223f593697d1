/**
 * A throwaway folder for the notebook server to serve: copies of the chapters, so the
 * browser never writes outputs or checkpoints into the committed notebooks, beside links
 * to the folders the chapters reach with `../` (the library and its data).
 *
 * It lives under `dist/` (ignored by git, fmt and lint) rather than in /tmp so that Deno,
 * started in the copies' folder, still finds the repository's deno.json and lock file by
 * walking up.
 *
 * @module
 */
import { basename, join } from "node:path";
import { REPO_ROOT } from "../../tools/jupyter.ts";

/** Folders of the repository that chapters read through `../`, linked into a workspace. */
export const LINKED_FOLDERS: readonly string[] = ["lib", "data"];

/** A served folder holding `notebooks/` with copies of the chapters. */
export interface NotebookWorkspace {
  /** The folder to serve. */
  readonly rootDir: string;
  /** The copies' paths relative to `rootDir`, in the order given (`notebooks/00_welcome.ipynb`). */
  readonly notebooks: readonly string[];
  /** Deletes the folder and everything in it (the links only, not what they point to). */
  remove(): Promise<void>;
}

/** Options for {@link createNotebookWorkspace}. */
export interface NotebookWorkspaceOptions {
  /** Folder to create the workspace in. Default: the repository's `dist/`. */
  readonly parentDir?: string;
  /** Folder whose {@link LINKED_FOLDERS} are linked. Default: the repository's root. */
  readonly repoRoot?: string;
}

/**
 * Copies `notebookPaths` into a new `<parent>/.browser_test_XXXX/notebooks/` and links the
 * repository's `lib/` and `data/` (where present) beside it.
 *
 * @example
 * ```ts
 * const workspace = await createNotebookWorkspace(["notebooks/00_welcome.ipynb"]);
 * try {
 *   // serve workspace.rootDir, open workspace.notebooks[0]
 * } finally {
 *   await workspace.remove();
 * }
 * ```
 */
export async function createNotebookWorkspace(
  notebookPaths: readonly string[],
  options: NotebookWorkspaceOptions = {},
): Promise<NotebookWorkspace> {
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  const parentDir = options.parentDir ?? join(repoRoot, "dist");
  await Deno.mkdir(parentDir, { recursive: true });
  const rootDir = await Deno.makeTempDir({ dir: parentDir, prefix: ".browser_test_" });
  const remove = () => Deno.remove(rootDir, { recursive: true }).catch(() => {});
  try {
    await Deno.mkdir(join(rootDir, "notebooks"));
    const notebooks: string[] = [];
    for (const path of notebookPaths) {
      const relative = join("notebooks", basename(path));
      if (notebooks.includes(relative)) {
        throw new RangeError(`Cannot copy ${path}: two chapters are named ${basename(path)}`);
      }
      await Deno.copyFile(path, join(rootDir, relative));
      notebooks.push(relative);
    }
    for (const folder of LINKED_FOLDERS) {
      const target = join(repoRoot, folder);
      if (await isDirectory(target)) await Deno.symlink(target, join(rootDir, folder));
    }
    return { rootDir, notebooks, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
