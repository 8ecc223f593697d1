/**
 * The 102 Jepsen etcd register histories in the repository's `data/jepsen-etcd`, with the
 * verdicts Porcupine's tests assert (see that folder's README for where they come from
 * and their licence).
 *
 * @module
 */
import { readTextFile, realPath } from "./files.ts";
import { historyFromJson } from "./io.ts";
import type { History } from "./operation.ts";

/** One Jepsen etcd history with its published verdict. */
export interface JepsenEtcdHistory {
  /** The file's name without `.json` ("etcd_000"). */
  readonly name: string;
  /** The operations. */
  readonly history: History;
  /** Whether it is linearizable, as published. */
  readonly linearizable: boolean;
}

/**
 * The repository's `data/jepsen-etcd` folder, resolved from this module's own location so
 * it works from any working directory (a notebook, a test, a tool).
 */
export function jepsenEtcdDir(): string {
  // Through the real path: a copy of the notebooks may reach lib/ through a symlink, and
  // module URLs keep the link's path.
  const historyDir = realPath(new URL(".", import.meta.url));
  return `${historyDir}/../../data/jepsen-etcd`;
}

/**
 * Every Jepsen etcd history in `folder` (default: {@link jepsenEtcdDir}) with its verdict
 * from the folder's `verdicts.json`, sorted by name.
 *
 * @throws {Error} naming the folder when it or one of its files cannot be read.
 * @example
 * ```ts
 * const etcd = await loadJepsenEtcd();
 * etcd.length; // 102
 * ```
 */
export async function loadJepsenEtcd(folder?: string): Promise<JepsenEtcdHistory[]> {
  const dir = folder ?? jepsenEtcdDir();
  const read = async (file: string) => {
    try {
      return await readTextFile(`${dir}/${file}`);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot load the Jepsen etcd histories: ${why}`, { cause: error });
    }
  };
  const verdicts: Record<string, boolean> = JSON.parse(await read("verdicts.json"));
  const names = Object.keys(verdicts).sort();
  return await Promise.all(names.map(async (name) => ({
    name,
    history: historyFromJson(await read(`${name}.json`)),
    linearizable: verdicts[name] === true,
  })));
}
