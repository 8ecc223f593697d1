"""Notebook execution for the course's tools (see tools/jupyter.ts, which runs it).

Loaded by `jupyter nbconvert` as a preprocessor, so it runs under whatever Python has
Jupyter installed; it uses only nbconvert and nbclient.

Why not plain `nbconvert --execute`:

* Deno's kernel (2.9.6) sends what a cell outputs from a queue that another thread
  drains, and reports the cell finished (`status: idle`) without waiting for the queue:
  output still queued goes out after idle (see lib/viz/jupyter.ts). nbclient stops
  listening at idle and drops it. Here every message is routed to the cell whose request
  it answers, for as long as the kernel runs, and after the last cell a kernel_info round
  trip plus a short quiet period collects any stragglers.
* Before the next cell is sent, the kernel must stay silent for a moment, so that output
  it sends late still carries the finished cell's request (sent later, it would carry the
  next one's, and land under the wrong cell, here as in a standard client).
* Every output that arrives after its cell's `idle`, or stamped with a cell's request
  before that cell's `execute_input` (an earlier cell's output that the kernel sent late,
  with the next request's header), is listed by cell index, message type and which of the
  two, under the notebook metadata key `deno_execute_stray_outputs` (tools/jupyter.ts
  reads and removes it). A standard client would have lost these or shown them under the
  wrong cell, and the chapter test requires there be none.
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

STRAY_OUTPUTS_KEY = "deno_execute_stray_outputs"
OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error", "update_display_data"}


class DenoExecutePreprocessor(ExecutePreprocessor):
    """ExecutePreprocessor that keeps late output and stops cleanly at the first error."""

    enabled = Bool(True).tag(config=True)
    quiet_seconds = Float(
        0.25, help="How long the kernel must stay silent after the last cell"
    ).tag(config=True)
    between_cells_seconds = Float(
        0.05, help="How long the kernel must stay silent after a cell before the next one"
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._cells_by_parent = {}
        self._stray_outputs = []
        self._stopped = False
        self.allow_errors = True
        nb, resources = super().preprocess(nb, resources, km)
        nb.metadata[STRAY_OUTPUTS_KEY] = self._stray_outputs
        return nb, resources

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
        else:
            self._listen_until_quiet(self.between_cells_seconds)
        return cell, self.resources

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        self._cells_by_parent[parent_msg_id] = (cell, cell_index)
        started = False
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                if msg["msg_type"] == "execute_input":
                    started = True
                elif not started and msg["msg_type"] in OUTPUT_TYPES:
                    self._note_stray(cell_index, msg, "before-start")
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
        self._note_stray(cell_index, msg, "after-finish")
        try:
            self.process_message(msg, cell, cell_index)
        except CellExecutionComplete:
            pass

    def _note_stray(self, cell_index, msg, when):
        self._stray_outputs.append({"cell": cell_index, "msg_type": msg["msg_type"], "when": when})

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

    async def _async_listen_until_quiet(self, seconds):
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=seconds))
            except Empty:
                return
            self._route_late(msg)

    _listen_until_quiet = run_sync(_async_listen_until_quiet)


def _has_unexpected_error(cell):
    if "raises-exception" in cell.get("metadata", {}).get("tags", []):
        return False
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))


def _error_output(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
