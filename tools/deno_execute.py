"""Notebook execution for the course's tools (see tools/jupyter.ts, which runs it).

Loaded by `jupyter nbconvert` as a preprocessor, so it runs under whatever Python has
Jupyter installed; it uses only nbconvert and nbclient.

Why not plain `nbconvert --execute`:

* Deno's kernel sometimes publishes a cell's `execute_result` (or late stream output)
  after the `status: idle` that ends the cell. nbclient stops listening at idle and
  drops the message, so figures vanish from executed notebooks at random. Here every
  message is routed to the cell whose request it answers, for as long as the kernel
  runs, and after the last cell a kernel_info round trip plus a short quiet period
  collects any stragglers.
* A failing cell should leave the notebook readable, not a Python traceback: execution
  stops at the first unexpected error (cells tagged `raises-exception` may fail), the
  error stays in the failing cell's outputs, and the notebook is written as usual. A
  cell timeout or a dead kernel becomes an error output of the cell it happened in.
"""

import time
from queue import Empty

from nbclient.exceptions import CellExecutionComplete, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbconvert.preprocessors import ExecutePreprocessor
from nbformat.v4 import new_output
from traitlets import Bool, Float

OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error", "update_display_data"}


class DenoExecutePreprocessor(ExecutePreprocessor):
    """ExecutePreprocessor that keeps late output and stops cleanly at the first error."""

    enabled = Bool(True).tag(config=True)
    quiet_seconds = Float(
        0.25, help="How long the kernel must stay silent after the last cell"
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._cells_by_parent = {}
        self._stopped = False
        self.allow_errors = True
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if self._stopped:
            return cell, self.resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
            if _has_unexpected_error(cell):
                self._stopped = True
        except CellTimeoutError:
            # The kernel is still busy with the cell, so there is nothing to drain.
            cell.outputs.append(
                _error_output("CellTimeoutError", f"Cell did not finish within {self.timeout} s")
            )
            self._stopped = True
            return cell, self.resources
        except DeadKernelError as error:
            cell.outputs.append(_error_output("DeadKernelError", str(error) or "Kernel died"))
            self._stopped = True
            return cell, self.resources
        if self._stopped or index == len(self.nb.cells) - 1:
            self._drain()
        return cell, self.resources

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        self._cells_by_parent[parent_msg_id] = (cell, cell_index)
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    return
            else:
                self._route_late(msg)

    def _route_late(self, msg):
        target = self._cells_by_parent.get(msg["parent_header"].get("msg_id"))
        if target is None or msg["msg_type"] not in OUTPUT_TYPES:
            return
        cell, cell_index = target
        try:
            self.process_message(msg, cell, cell_index)
        except CellExecutionComplete:
            pass

    async def _async_drain(self):
        barrier = await ensure_async(self.kc.kernel_info())
        deadline = time.monotonic() + 30
        barrier_done = False
        while True:
            if barrier_done:
                timeout = self.quiet_seconds
            else:
                timeout = max(0.0, deadline - time.monotonic())
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=timeout))
            except Empty:
                return
            parent = msg["parent_header"].get("msg_id")
            if parent == barrier:
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    barrier_done = True
            else:
                self._route_late(msg)

    _drain = run_sync(_async_drain)


def _has_unexpected_error(cell):
    if "raises-exception" in cell.get("metadata", {}).get("tags", []):
        return False
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))


def _error_output(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
