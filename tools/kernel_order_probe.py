"""Measures, with a raw Jupyter client, which outputs of the Deno kernel arrive after their
cell reports `idle` (where a standard client such as nbconvert or JupyterLab stops listening).

Each variant is a cell ending a different way (a bare value, `await show(...)`, a trailing
`console.log`, ...). Cells run one after another as nbclient runs them: send the request,
wait for the reply and for `idle`, move on. Every output is then classified by its parent
request and by whether it arrived before or after that request's `idle`.

    python3 tools/kernel_order_probe.py [REPS]        # run from the repository root

Prints one line per variant: counts of outputs `own`/`OTHER_PARENT` and
`before_idle`/`AFTER_IDLE`. Needs jupyter_client and the Deno kernel (`deno task setup`).
"""

import collections
import json
import os
import sys
import time
from queue import Empty

from jupyter_client.manager import start_new_kernel

SETUP = """import { plot, print, show, table, claims, claim, Plot } from "../lib/mod.ts";
const work = () => { let s = 0; for (let i = 0; i < 2e5; i++) s += Math.sqrt(i); return s; };
const rows = (t) => [{ tag: t, x: 1 }, { tag: t, x: 2 }];
const fig = (t) => plot({ title: t, marks: [Plot.dot(rows(t), { x: "x", y: "x" })] });
"""

# TAG and TAG2 are replaced by markers unique to each run of a cell.
VARIANTS = {
    "bare table": 'work(); table(rows("TAG"), { caption: "TAG" })',
    "bare figure": 'work(); fig("TAG")',
    "bare claims": 'work(); claims(claim("TAG holds", true))',
    "await show(figure)": 'work(); await show(fig("TAG"))',
    "two awaited shows": 'work(); await show(fig("TAG")); await show(table(rows("TAG2")))',
    "console.log at the end": 'work(); console.log("TAG")',
    "show, then console.log": 'work(); await show(fig("TAG")); console.log("TAG2")',
    "show, then await print": 'work(); await show(fig("TAG")); await print("TAG2")',
}
OUTPUT_TYPES = {"stream", "display_data", "execute_result", "update_display_data", "error"}


def main(reps):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    km, kc = start_new_kernel(kernel_name="deno", cwd=os.path.join(root, "notebooks"))
    log = []

    def pump(until_idle_of=None, timeout=120.0):
        deadline = time.time() + timeout
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=0.05)
            except Empty:
                if until_idle_of is None:
                    return
                if time.time() > deadline:
                    raise RuntimeError("the kernel did not report idle in time")
                continue
            parent = msg["parent_header"].get("msg_id")
            log.append((msg["msg_type"], parent, msg))
            if (
                until_idle_of
                and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"
                and parent == until_idle_of
            ):
                return

    def run(code):
        msg_id = kc.execute(code)
        kc.get_shell_msg(timeout=120)
        pump(until_idle_of=msg_id)
        return msg_id

    try:
        run(SETUP)
        names = list(VARIANTS)
        cells = []
        for rep in range(reps):
            for index, name in enumerate(names):
                tag = f"T{rep}x{index}Q"
                code = VARIANTS[name].replace("TAG2", tag + "b").replace("TAG", tag + "a")
                tags = [tag + "a"] + ([tag + "b"] if "TAG2" in VARIANTS[name] else [])
                cells.append((name, run(code), tags))
        kc.execute("1")
        time.sleep(2)
        pump()
    finally:
        km.shutdown_kernel(now=True)

    idle_at = {}
    for i, (kind, parent, msg) in enumerate(log):
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            idle_at[parent] = i
    stats = collections.defaultdict(collections.Counter)
    for name, msg_id, tags in cells:
        for tag in tags:
            hits = [
                (i, kind, parent)
                for i, (kind, parent, msg) in enumerate(log)
                if kind in OUTPUT_TYPES and tag in json.dumps(msg["content"])
            ]
            if not hits:
                stats[name][f"{tag[-1]}:never"] += 1
            for i, kind, parent in hits:
                where = "own" if parent == msg_id else "OTHER_PARENT"
                when = "before_idle" if i < idle_at.get(parent, len(log)) else "AFTER_IDLE"
                stats[name][f"{tag[-1]}:{kind}:{where}:{when}"] += 1
    for name in VARIANTS:
        print(f"{name}: {dict(stats[name])}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
