"""Grading with a judge: test cells run in a kernel of their own, which never runs a student's cell.

A notebook is graded in two kernels. The *student's kernel* (sandboxed, ``sandbox.py``) runs the
student's cells: solution cells and plain cells. The *judge kernel* (trusted) runs the test cells.
Locked cells (the setup, the imports, given data and helpers) run in both, so each kernel has
its own copy of the given data and of the test helpers. A test cell's score comes from the
judge's outputs only: nothing the student's kernel prints, displays or returns can raise it.

In the judge, the names a test cell reads from the student's notebook are bound to what the
student's kernel holds, fetched before the cell runs (``autograder/remote/bridge.py``): values by value, the rest
as handles that call into the student's kernel, where the grading agent (``remote/agent.py``) answers.
Which names those are is decided here, once per notebook, from the assignment's cells, never
the student's: a name a test reads is fetched when the last cell before the test that binds it
is a solution cell (as the assignment has it), or when no cell the judge runs binds it (and it
is not a built-in). Given data and test helpers, bound by the judge's own cells, stay the
judge's, whatever the student's code does to its own copies or defines in their place.

The engine's ``JudgedExecute`` is nbgrader's ``Execute`` (through ``IsolatedExecute``) with the
cells routed between the two kernels; the self-test's ``JudgedSession`` is the harness's one-kernel
``KernelSession`` routed the same way, so that tests/test_integrity.py can check that every lab's
verdicts are the same either way.
"""
from __future__ import annotations

import ast
import builtins
import copy
import json
import subprocess
from dataclasses import dataclass, field
from typing import Any, Mapping

from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode

from ..cells import (global_bindings, global_reads, grade_id, is_solution_cell, is_test_cell, reads_before_binding,
                     released_source, role, strip_magics, top_level_reads)
from ..remote.bridge import digest
from .isolation import IsolatedExecute, cell_label
from .sandbox import Limits

STUDENT, JUDGE, BOTH = "student", "judge", "both"


@dataclass
class JudgePlan:
    """Where each cell of a notebook runs, and what the judge fetches from the student's kernel."""

    routes: list[str]
    install_at: int  # the agent starts (and the judge connects) before this cell: the first student cell
    fetch: dict[str, list[str]] = field(default_factory=dict)  # a test cell's source digest -> names it reads
    locked: list[str] = field(default_factory=list)  # names the judge's locked cells bind
    forbidden: list[str] = field(default_factory=list)  # what the lab's tests forbid (assert_not_used)

    def route(self, index: int) -> str:
        return self.routes[index] if 0 <= index < len(self.routes) else STUDENT

    def install_code(self) -> str:
        return f"__import__('autograder.remote.agent', fromlist=['install']).install({self.forbidden!r})"

    def connect_code(self, connection_info: Mapping[str, Any]) -> str:
        info = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in connection_info.items()}
        plan = {"fetch": self.fetch, "locked": self.locked}
        return (f"__import__('autograder.remote.bridge', fromlist=['connect']).connect("
                f"__import__('json').loads({json.dumps(info)!r}), __import__('json').loads({json.dumps(plan)!r}))")


def _bindings(source: str) -> set[str]:
    names, imported = global_bindings(source)
    return names | imported


def forbidden_names(source: str) -> list[str]:
    """The names a test cell forbids with ``assert_not_used(fn, [...])`` (literal lists only)."""
    try:
        tree = ast.parse(strip_magics(source))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if callee != "assert_not_used":
            continue
        given = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "forbidden"), None)
        if isinstance(given, (ast.List, ast.Tuple, ast.Set)):
            found += [e.value for e in given.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return found


def make_plan(cells: list[Any], reference: Mapping[str, str] | None = None) -> JudgePlan:
    """Route a notebook's cells and plan the judge's fetches.

    ``reference`` maps solution cell ids to the assignment's own source (what the student's cell
    replaces): what a student's cell binds is read from it, so a student cannot make the judge
    fetch a name of theirs in place of a test helper or given data.
    """
    reference = reference or {}
    solution_bound = {gid: _bindings(strip_magics(src)) for gid, src in reference.items()}
    routes: list[str] = []
    binders: list[tuple[str, set[str]]] = []  # per code cell: who runs it, what it binds
    plan = JudgePlan(routes, install_at=0)
    judge_reads: set[str] = set()
    leading = True
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            routes.append(STUDENT)
            binders.append((STUDENT, set()))
            continue
        source = cell.get("source", "")
        cell_role = role(cell)
        if is_test_cell(cell):
            leading = False
            routes.append(JUDGE)
            _, inner = global_reads(source)
            own = _bindings(strip_magics(source))  # what the test binds itself is the test's, once bound
            reads = reads_before_binding(source) | (inner - own) | judge_reads
            names = sorted(n for n in reads if _fetched(binders, n))
            plan.fetch[digest(source)] = names
            plan.fetch[digest(released_source(source))] = names
            plan.forbidden += [n for n in forbidden_names(source) if n not in plan.forbidden]
            judge_reads |= inner  # what its functions may read later, when a later cell calls them
            binders.append((JUDGE, _bindings(strip_magics(source))))
        elif cell_role == "readonly":
            student_names = {n for who, bound in binders if who == STUDENT for n in bound}
            if top_level_reads(source) & student_names:
                routes.append(STUDENT)  # given code that runs the student's: once, where the student's code is
                binders.append((STUDENT, _bindings(strip_magics(source))))
            else:
                routes.append(BOTH)
                bound = _bindings(strip_magics(source))
                plan.locked += sorted(bound - set(plan.locked))
                judge_reads |= global_reads(source)[1]
                binders.append((JUDGE, bound))
        else:
            if leading:
                plan.install_at, leading = index, False
            routes.append(STUDENT)
            bound = solution_bound.get(grade_id(cell)) if is_solution_cell(cell) else None
            binders.append((STUDENT, bound or set()))  # a plain cell binds nothing a test may read
    if leading:
        plan.install_at = len(cells)
    return plan


def _fetched(binders: list[tuple[str, set[str]]], name: str) -> bool:
    """A student's name: the last cell binding it is the student's, or the judge's cells never bind it."""
    for who, bound in reversed(binders):
        if name in bound:
            return who == STUDENT
    return not hasattr(builtins, name)


def reference_sources(snapshot_notebook: Any) -> dict[str, str]:
    """Solution cell id -> the assignment's source, from a gradebook snapshot (sanitize.NotebookSnapshot)."""
    return {c.name: c.source for c in snapshot_notebook.cells if c.solution and c.cell_type == "code"}


# ----------------------------------------------------------------------------- running the judge


class InterruptsStudent:
    """An nbclient client whose cell timeout also interrupts the student's kernel (whose code the judge waits for)."""

    student_km: Any = None

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> Any:
        from jupyter_core.utils import ensure_async

        if self.student_km is not None:
            try:
                await ensure_async(self.student_km.interrupt_kernel())
            except Exception:
                pass
        return await super()._async_handle_timeout(timeout, cell)  # type: ignore[misc]


async def responds(kc: Any, timeout: float) -> bool:
    """Whether a kernel answers a kernel_info request within ``timeout`` seconds (it is not stuck)."""
    import time
    from queue import Empty

    from jupyter_core.utils import ensure_async

    msg_id = kc.kernel_info()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = await ensure_async(kc.shell_channel.get_msg(timeout=left))
        except Empty:
            return False
        if msg.get("parent_header", {}).get("msg_id") == msg_id:
            return True
    return False


async def run_silently(client: Any, code: str) -> None:
    """Run setup code in a client's kernel, outside the notebook; RuntimeError if it fails."""
    msg_id = client.kc.execute(code, silent=True, store_history=False)
    reply = await client.async_wait_for_reply(msg_id)
    content = (reply or {}).get("content", {})
    if content.get("status") != "ok":
        raise RuntimeError(f"grading setup failed: {content.get('ename', 'no reply')}: {content.get('evalue', '')}")


# ----------------------------------------------------------------------------- routing cells


class Router:
    """Runs cells where the plan says: the engine's executor and the self-test's session both use it.

    ``student(cell, index)`` and ``judge(cell, index)`` execute a cell in one kernel; ``connect()``
    installs the agent in the student's kernel and connects the judge to it, before the first cell
    that is not a leading locked cell. Those leading cells (the setup, the imports) run in the
    judge in the background (``judge_start(cell)`` sends them, ``judge_finish(msg_id, cell)`` waits
    for a reply) while the student's kernel runs them: importing torch twice costs no more time.
    """

    def __init__(self, plan: JudgePlan, student: Any, judge: Any, connect: Any,
                 judge_start: Any = None, judge_finish: Any = None) -> None:
        self.plan, self.student, self.judge, self.connect = plan, student, judge, connect
        self.judge_start, self.judge_finish = judge_start, judge_finish
        self.connected = False
        self.pending: list[tuple[Any, NotebookNode, int]] = []
        self.events: list[str] = []

    def run(self, cell: NotebookNode, index: int) -> Any:
        code = cell.get("cell_type") == "code"
        route = self.plan.route(index) if code else STUDENT
        if code and route != BOTH and not self.connected:
            self.finish_pending()
            self.connect()
            self.connected = True
        if route == STUDENT:
            return self.student(cell, index)
        if route == BOTH:  # given code: each kernel its own copy; the notebook shows the student's run
            if not self.connected and self.judge_start is not None:
                self.pending.append((self.judge_start(cell), cell, index))
                return self.student(cell, index)
            copied = copy.deepcopy(cell)
            self.judge(copied, index)
            failed = [o for o in copied.get("outputs", []) if o.output_type == "error"]
            if failed:
                self._judge_failed(cell, index, failed[0].ename, failed[0].get("evalue", ""))
            return self.student(cell, index)
        result = self.judge(cell, index)
        # A test cell displays no value: nbgrader would read one as a partial score.
        cell.outputs = [o for o in cell.get("outputs", []) if o.output_type != "execute_result"]
        return result

    def finish_pending(self) -> None:
        """Wait for the judge's background cells; say which failed."""
        pending, self.pending = self.pending, []
        for msg_id, cell, index in pending:
            content = ((self.judge_finish(msg_id, cell) or {}).get("content") or {})
            if content.get("status") != "ok":
                self._judge_failed(cell, index, content.get("ename", "no reply"), content.get("evalue", ""))

    def _judge_failed(self, cell: NotebookNode, index: int, ename: str, evalue: str) -> None:
        self.events.append(f"the judge could not run {cell_label(cell, index)}: {ename}: {evalue}"[:300])


class JudgeClient(InterruptsStudent, NotebookClient):
    """The self-test's judge kernel (the harness's sessions are plain nbclient clients)."""


# ----------------------------------------------------------------------------- the engine's executor

STUCK_AFTER = 10.0  # seconds a student's kernel has, after a test cell's timeout, to answer again
LOCKED_CELL_TIMEOUT = 120  # seconds for a locked cell (the course's code, not the student's: the imports...)


class LockedCellsTakeTheirTime:
    """The per-cell timeout stops the student's code; a locked cell (the imports, given data) is the
    course's own and gets at least LOCKED_CELL_TIMEOUT: two kernels importing torch at once on a
    busy machine must not lose a submission its points."""

    def _get_timeout(self, cell: NotebookNode | None) -> int | None:
        timeout = super()._get_timeout(cell)  # type: ignore[misc]
        if cell is not None and role(cell) == "readonly" and timeout is not None:
            return max(timeout, LOCKED_CELL_TIMEOUT)
        return timeout


class JudgeExecute(LockedCellsTakeTheirTime, InterruptsStudent, IsolatedExecute):
    """The judge kernel's side: nbgrader's Execute on a trusted kernel that runs no student code.

    It is started like the student's kernel (isolation.py, through sandbox.py's kernel manager: the same
    launch options, memory cap and threads), outside any sandbox: it must reach the student's kernel,
    and runs only the course's code. The student's kernel cannot reach it (no network in its sandbox).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sandboxed = False

    def limits(self) -> Limits:
        """Memory as the student's kernel; no CPU-time limit: it is kept for the next notebooks
        (``SpareJudge``), and its cells have their timeouts."""
        return Limits(memory_mb=self.memory_mb)


# ----------------------------------------------------------------------------- a judge kernel kept for the next notebook

JUDGE_USES = 50  # notebooks one judge kernel grades before a fresh one starts


@dataclass
class SpareJudge:
    """A worker's judge kernel between two notebooks: it ran only the course's code, so it is reused
    (its namespace emptied, disconnected from the last student's kernel) instead of starting a
    kernel and importing torch again for every notebook."""

    km: Any
    kc: Any
    key: tuple[Any, ...]  # the launch options it was started with
    path: str  # its working folder so far
    uses: int

    def reset_code(self, path: str) -> str:
        return (f"__import__('os').chdir({path!r})\n"
                "__import__('autograder.remote.bridge', fromlist=['disconnect']).disconnect()\n"
                "import sys as _sys\n"
                f"_sys.path[:] = [p for p in _sys.path if p != {self.path!r}] + [{path!r}]\n"
                "del _sys")


_spare: SpareJudge | None = None


def _take_spare(key: tuple[Any, ...]) -> SpareJudge | None:
    global _spare
    spare, _spare = _spare, None
    if spare is not None and spare.key == key and run_sync(spare.km.is_alive)():
        return spare
    if spare is not None:
        _stop(spare.km, spare.kc)
    return None


def _keep_or_stop(judge: "JudgeExecute", key: tuple[Any, ...], path: str, uses: int) -> None:
    """Keep a healthy judge kernel for the worker's next notebook; stop any other."""
    global _spare
    km, kc = judge.km, judge.kc
    if km is None or kc is None:
        return
    try:
        healthy = uses < JUDGE_USES and run_sync(km.is_alive)() and run_sync(responds)(kc, 5.0)
        if healthy:  # out of its folder, which is about to be removed
            run_sync(run_silently)(judge, "__import__('os').chdir('/')")
    except Exception:  # noqa: BLE001 (whatever went wrong, a fresh kernel next time)
        healthy = False
    if healthy:
        if _spare is None:
            import atexit
            from multiprocessing import util

            atexit.register(_stop_spare)
            util.Finalize(None, _stop_spare, exitpriority=10)  # a pool worker's exit runs no atexit
        _spare = SpareJudge(km, kc, key, path, uses)
    else:
        _stop(km, kc)


def _stop(km: Any, kc: Any) -> None:
    try:
        kc.stop_channels()
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001
        pass


def _stop_spare() -> None:
    global _spare
    spare, _spare = _spare, None
    if spare is not None:
        _stop(spare.km, spare.kc)


class JudgedExecute(LockedCellsTakeTheirTime, IsolatedExecute):
    """nbgrader's Execute with test cells run by a judge kernel, locked cells in both kernels."""

    def __init__(self, judge_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.judge_path = judge_path  # the judge's working folder: the lab's own files, not the student's
        self.judge: Any = None
        self.router: Router | None = None

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        resources = resources or {}
        snapshot, name = resources.get("snapshot"), resources.get("nbgrader", {}).get("notebook")
        reference = reference_sources(snapshot.notebooks[name]) if snapshot is not None and \
            name in getattr(snapshot, "notebooks", {}) else {}
        path = self.judge_path or resources.get("metadata", {}).get("path")
        self.judge = JudgeExecute(config=self.config, memory_mb=self.memory_mb, threads=self.threads)
        self.router = Router(make_plan(nb.cells, reference), self._in_student, self._in_judge, self._connect,
                             self._judge_start, self._judge_finish)
        spare = _take_spare((self.memory_mb, self.threads))
        NotebookClient.__init__(self.judge, nb, km=spare and spare.km, resources={"metadata": {"path": path}})
        if spare is not None:
            self.judge.kc, self.judge.owns_km = spare.kc, True
            run_sync(run_silently)(self.judge, spare.reset_code(path))
        else:
            self.judge.km = self.judge.create_kernel_manager()
            # through the same kernel manager as the student's kernel (sandbox.py), without a sandbox: it runs only
            # the course's code and must reach the student's kernel; it starts while the student's kernel starts
            self.judge.start_new_kernel(**self.judge._launch_options(subprocess.DEVNULL))
        reused = spare.uses + 1 if spare is not None else 1
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self.report.events += self.router.events
            _keep_or_stop(self.judge, (self.memory_mb, self.threads), path, reused)

    def _judge_ready(self) -> None:
        if self.judge.kc is None:
            self.judge.start_new_kernel_client()
        self.judge.student_km = self.km

    def _judge_start(self, cell: NotebookNode) -> str:
        self._judge_ready()
        return self.judge.kc.execute(cell.source, store_history=False)

    def _judge_finish(self, msg_id: str, cell: NotebookNode) -> Any:
        return run_sync(self.judge.async_wait_for_reply)(msg_id, cell)

    def _connect(self) -> None:
        self._judge_ready()
        run_sync(run_silently)(self, self.router.plan.install_code())
        run_sync(run_silently)(self.judge, self.router.plan.connect_code(self.km.get_connection_info(session=False)))

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        self._resources_now = resources
        self.router.run(cell, index)
        return cell, self.resources

    def _in_student(self, cell: NotebookNode, index: int) -> Any:
        return super().preprocess_cell(cell, self._resources_now, index)

    def _in_judge(self, cell: NotebookNode, index: int) -> Any:
        self._judge_ready()
        self.judge.preprocess_cell(cell, self._resources_now, index)
        if is_test_cell(cell):
            self._check_student(cell, index)

    def _check_student(self, cell: NotebookNode, index: int) -> None:
        """After a test cell: the student's kernel must still be alive, and not stuck in a loop."""
        if not run_sync(self.km.is_alive)():
            raise DeadKernelError("the student's kernel died")
        timeout = self.error_on_timeout["ename"]
        if any(o.output_type == "error" and o.get("ename") == timeout for o in cell.outputs) and \
                not run_sync(responds)(self.kc, STUCK_AFTER):
            raise CellTimeoutError(f"{cell_label(cell, index)}: the student's code ignored the interrupt")
