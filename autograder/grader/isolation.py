"""Executing one student notebook so that nothing in it can stop the batch.

``IsolatedExecute`` is nbgrader's own ``Execute`` preprocessor (same kernel, timeout and
error recording, so scores match ``nbgrader autograde``) with four differences:

- a cell that runs past its timeout is interrupted (as nbgrader does) and the next cells
  still run; one that ignores the interrupt (``signal.signal(SIGINT, SIG_IGN)``, a bare
  ``except:``) gets its kernel killed, and the cells already run keep their outputs;
- a kernel that dies (``os._exit``, a crash, a limit) ends the run instead of failing the
  submission, and the outcome says why (its exit status or signal, the memory cap's error);
- the kernel runs in its sandbox (sandbox.py: its own folder, user, namespaces and limits, among
  them an address-space cap, so a huge allocation raises ``MemoryError`` in the student's cell
  instead of taking the grading machine down);
- output written straight to file descriptor 2 by C libraries stays out of the cells:
  nbgrader scores any stderr output in a test cell as a failure.

Cells that never ran get an error output saying why, so nbgrader's ``determine_grade``
scores them 0 (a test cell without outputs would otherwise get full marks).
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Any

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute

from ..cells import grade_id, nbgrader

from .sandbox import Limits, Sandbox, SandboxedKernelManager, describe_exit, kernel_environment, read_tail

MIN_MEMORY_MB = 4096  # importing torch alone maps ~3.3 GB of address space


def default_memory_mb() -> int:
    """A fair share of this machine's memory for one grading kernel (one per core)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return max(MIN_MEMORY_MB, total // (os.cpu_count() or 1))


@dataclass
class ExecutionReport:
    """What went wrong while executing, in words for the outcome's events."""

    events: list[str] = field(default_factory=list)
    interrupted: bool = False  # some cell timed out, or the kernel was killed or died
    ran_any_cell: bool = False


def cell_label(cell: NotebookNode, index: int) -> str:
    return grade_id(cell) or f"cell {index}"


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


class IsolatedExecute(Execute):
    """nbgrader's Execute, cell by cell, surviving timeouts, deaf loops, dead kernels and memory hogs."""

    def __init__(self, memory_mb: int | None = None, threads: int | None = None, sandboxed: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.memory_mb = memory_mb
        self.threads = threads
        self.sandboxed = sandboxed
        self.report = ExecutionReport()
        self.kernel_manager_class = SandboxedKernelManager
        self.sandbox: Sandbox | None = None
        # The notebook is done (or its kernel deaf) when we stop it: SIGKILL to the kernel's
        # process group at once, its children included, instead of a polite shutdown request.
        self.shutdown_kernel = "immediate"
        # C-level writes to fd 2 go to the kernel's own stderr (a file, read when it dies), not into cells.
        self.extra_arguments = [*self.extra_arguments, "--IPKernelApp.capture_fd_output=False"]

    def limits(self) -> Limits:
        """Memory as asked; CPU time for every code cell to use its whole timeout on every thread."""
        cells = sum(1 for cell in self.nb.cells if cell.cell_type == "code") + 1
        threads = self.threads or os.cpu_count() or 1
        return Limits(memory_mb=self.memory_mb, cpu_seconds=(self.timeout or 60) * cells * threads)

    def create_kernel_manager(self) -> Any:
        km = super().create_kernel_manager()
        km.sandbox, km.limits = self.sandbox, self.limits()
        return km

    def _launch_options(self, stderr: Any) -> dict[str, Any]:
        return {"stdout": subprocess.DEVNULL, "stderr": stderr,
                "env": kernel_environment(self.threads, sandboxed=self.sandboxed)}

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        # The body of nbconvert's ExecutePreprocessor.preprocess, with a guarded loop over cells.
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.report = ExecutionReport()
        self.sandbox = Sandbox(self.limits()) if self.sandboxed else None
        try:
            with tempfile.TemporaryFile() as self._stderr, self.setup_kernel(**self._launch_options(self._stderr)):
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                self._execute_cells(resources)
        finally:
            if self.sandbox is not None:
                self.sandbox.cleanup()
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _execute_cells(self, resources: Any) -> None:
        for index, cell in enumerate(self.nb.cells):
            try:
                self.preprocess_cell(cell, resources, index)
            except CellTimeoutError:
                # nbclient interrupted the cell after its timeout, but the kernel never became
                # idle: the code ignores SIGINT. Kill the kernel; what already ran keeps its outputs.
                why = f"killed the kernel: {cell_label(cell, index)} ignored the interrupt after its {self.timeout} s timeout"
                self._stop(index, "KernelKilled", why)
                return
            except DeadKernelError:
                self._stop(index, "KernelDied", f"the kernel died in {cell_label(cell, index)}: {self._why_dead()}")
                return
            self._note_cell(cell, index)

    def _why_dead(self) -> str:
        status = self.km.exit_status() if self.km is not None else None
        return describe_exit(status, self.sandboxed, read_tail(self._stderr), self.limits())

    def _note_cell(self, cell: NotebookNode, index: int) -> None:
        if cell.cell_type != "code" or not cell.source.strip():
            return
        self.report.ran_any_cell = True
        errors = {o.ename: o.get("evalue", "") for o in cell.get("outputs", []) if o.output_type == "error"}
        if self.error_on_timeout["ename"] in errors:
            self.report.interrupted = True
            self.report.events.append(
                f"timeout: {cell_label(cell, index)} ran longer than {self.timeout} s and was interrupted")
        if "MemoryError" in errors:
            limit = f"the {self.memory_mb} MB memory limit" if self.memory_mb else "the machine's memory"
            self.report.events.append(f"memory: {cell_label(cell, index)} tried to allocate more than {limit}")

    def _stop(self, index: int, ename: str, why: str) -> None:
        self.report.interrupted = True
        self.report.events.append(why)
        self.nb.cells[index].setdefault("outputs", []).append(error_output(ename, why))
        for later in self.nb.cells[index + 1:]:
            if later.cell_type == "code":
                later.outputs = [error_output("NotExecuted", f"not run: {why}")] if nbgrader(later).get("grade") else []


def contain_unscorable_outputs(nb: NotebookNode) -> list[str]:
    """A test cell whose result nbgrader cannot score (e.g. an ``execute_result`` above the cell's
    points, or without text) scores 0 with the reason, instead of failing the whole submission."""
    from nbgrader.utils import determine_grade

    events = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not nbgrader(cell).get("grade"):
            continue
        try:
            determine_grade(cell)
        except Exception as error:  # noqa: BLE001 (whatever the output, this cell alone pays)
            why = f"{cell_label(cell, index)}'s result is not a score ({type(error).__name__}: {error})"[:300]
            cell.outputs.insert(0, error_output("UnscorableOutput", why))
            events.append(f"scored 0: {why}")
    return events
