/**
 * The folder one browser test run works in: `dist/.browser_test_XXXX/`, holding
 *
 * - `site/`: what the notebook server serves, copies of the chapters in `site/notebooks/`
 *   (so the browser never writes outputs or checkpoints into the committed notebooks) beside
 *   links to the folders the chapters reach with `../` (the library and its data);
 * - any scratch folders the run asks for (the server's state, the browser's profile).
 *
 * It lives under `dist/` (ignored by git, fmt and lint) rather than in /tmp so that Deno,
 * started in the copies' folder, still finds the repository's deno.json and lock file by
 * walking up. One folder per run also makes what a killed run left behind easy to find
 * and remove: see {@link removeStaleWorkspaces}.
 *
 * @module
 */
import { basename, join } from "node:path";
import { REPO_ROOT } from "../../tools/jupyter.ts";
import { processesMentioning } from "./processes.ts";

/** Folders of the repository that chapters read through `../`, linked into a workspace. */
export const LINKED_FOLDERS: readonly string[] = ["lib", "data"];

/** How a run's folder is named in its parent: this prefix, then random characters. */
export const WORKSPACE_PREFIX = ".browser_test_";

/** A run's folder, with the served site of chapter copies. */
export interface NotebookWorkspace {
  /** The run's folder. */
  readonly runDir: string;
  /** The folder to serve (`<runDir>/site`). */
  readonly rootDir: string;
  /** The copies' paths relative to `rootDir`, in the order given (`notebooks/00_welcome.ipynb`). */
  readonly notebooks: readonly string[];
  /** Creates `<runDir>/<name>` and returns its path. */
  scratchDir(name: string): Promise<string>;
  /** Deletes the run's folder (the links only, not what they point to). */
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
 * Copies `notebookPaths` into a new `<parent>/.browser_test_XXXX/site/notebooks/` and links
 * the repository's `lib/` and `data/` (where present) beside them.
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
  const runDir = await Deno.makeTempDir({ dir: parentDir, prefix: WORKSPACE_PREFIX });
  const rootDir = join(runDir, "site");
  const remove = () => Deno.remove(runDir, { recursive: true }).catch(() => {});
  try {
    await Deno.mkdir(join(rootDir, "notebooks"), { recursive: true });
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
    const scratchDir = async (name: string) => {
      if (!/^[\w-]+$/.test(name) || name === "site") {
        throw new RangeError(`Cannot make a scratch folder named ${JSON.stringify(name)}`);
      }
      const path = join(runDir, name);
      await Deno.mkdir(path);
      return path;
    };
    return { runDir, rootDir, notebooks, scratchDir, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Options for {@link removeStaleWorkspaces}. */
export interface RemoveStaleOptions {
  /** Folder the workspaces are in. Default: the repository's `dist/`. */
  readonly parentDir?: string;
  /**
   * Youngest a folder may be to count as stale, in ms, so that a run that has just made
   * its folder and not yet started its server keeps it. Default 600,000 (10 minutes).
   */
  readonly minAgeMs?: number;
}

/**
 * Deletes the folders of earlier runs that were killed before they could clean up: those
 * older than `minAgeMs` that no live process names on its command line (a run's notebook
 * server names its site, its browser its profile).
 *
 * @returns The folders deleted.
 */
export async function removeStaleWorkspaces(options: RemoveStaleOptions = {}): Promise<string[]> {
  const parentDir = options.parentDir ?? join(REPO_ROOT, "dist");
  const minAgeMs = options.minAgeMs ?? 600_000;
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(parentDir)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isDirectory || !entry.name.startsWith(WORKSPACE_PREFIX)) continue;
    const path = join(parentDir, entry.name);
    const modified = (await Deno.stat(path)).mtime?.getTime() ?? 0;
    if (Date.now() - modified < minAgeMs) continue;
    if ((await processesMentioning(path)).length > 0) continue;
    await Deno.remove(path, { recursive: true });
    removed.push(path);
  }
  return removed;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
