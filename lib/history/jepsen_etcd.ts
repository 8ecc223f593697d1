/**
 * The 102 Jepsen etcd register histories that sit beside this repository, in
 * `../shared/data/jepsen-etcd` (or the folder named by the `JEPSEN_ETCD_DIR` environment
 * variable), with the verdicts Porcupine's tests assert. They are reference data from
 * elsewhere: never copied into the repository, and optional: every caller copes with
 * their absence.
 *
 * @module
 */
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
 * The folder of the Jepsen etcd histories: `candidate` when given, else `JEPSEN_ETCD_DIR`
 * when set, else `../shared/data/jepsen-etcd` beside the repository (resolved from this
 * module's own location, so it works from any working directory: a notebook, a test, a
 * copy of the notebooks that links `lib/`). Undefined when that folder holds no
 * `verdicts.json`.
 */
export function jepsenEtcdDir(candidate?: string): string | undefined {
  try {
    const dir = candidate ?? Deno.env.get("JEPSEN_ETCD_DIR") ?? besideRepository();
    return Deno.statSync(`${dir}/verdicts.json`).isFile ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** `../shared/data/jepsen-etcd` seen from the repository's root. */
function besideRepository(): string {
  // Through the real path: a copy of the notebooks may reach lib/ through a symlink, and
  // module URLs keep the link's path.
  const historyDir = Deno.realPathSync(new URL(".", import.meta.url));
  return `${historyDir}/../../../shared/data/jepsen-etcd`;
}

/**
 * Every Jepsen etcd history in `folder` (default: {@link jepsenEtcdDir}) with its
 * verdict, sorted by name, or undefined when the folder is absent.
 *
 * @example
 * ```ts
 * const etcd = await loadJepsenEtcd();
 * if (etcd !== undefined) console.log(`${etcd.length} histories`);
 * ```
 */
export async function loadJepsenEtcd(folder?: string): Promise<JepsenEtcdHistory[] | undefined> {
  const dir = jepsenEtcdDir(folder);
  if (dir === undefined) return undefined;
  const verdicts: Record<string, boolean> = JSON.parse(
    await Deno.readTextFile(`${dir}/verdicts.json`),
  );
  const names = Object.keys(verdicts).sort();
  return await Promise.all(names.map(async (name) => ({
    name,
    history: historyFromJson(await Deno.readTextFile(`${dir}/${name}.json`)),
    linearizable: verdicts[name] === true,
  })));
}
