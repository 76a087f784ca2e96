"""`autograder grade LAB`: nbgrader's autograde, N submissions at a time, and no submission can stop it.

Each submission is one task, ``grade_submission(task) -> GradingResult``, that needs no
file system and no database: the task carries the submitted bytes and a snapshot of the
assignment's cells from the gradebook. Tasks run on long-lived worker processes that import
nbgrader once and grade one submission at a time, so that a worker that dies takes down only
the submission it was grading (retried alone on a fresh worker, then recorded as failed), or
on a Dask cluster (``--dask tcp://host:8786``). Each kernel runs in its own sandbox
(sandbox.py; ``--no-sandbox`` for trusted work on a machine without one), forked from the worker's
template that has imported the lab's libraries (factory.py; ``--no-fork`` starts each afresh).
A task runs nbgrader's own preprocessors, in nbgrader's order: ClearOutput, DeduplicateIds,
OverwriteKernelspec, OverwriteCells (locked cells and hidden tests back from the gradebook),
CheckCellMetadata, then Execute, IgnorePattern, LimitOutput. The parent alone writes: nbgrader's
SaveAutoGrades and AssignLatePenalties put the scores in the gradebook, the autograded notebook goes
to ``autograded/<student>/<lab>/`` as nbgrader leaves it, and ``outcome.json`` records what
happened (autograder/outcomes.py). A submission is skipped when its outcome is newer than
its files and valid (not a failure of the grader's), so an interrupted run carries on where
it stopped.

Scaling out: `autograder grade LAB --dask tcp://scheduler:8786` runs the same tasks on a
cluster of K machines (each with this package installed; `dask worker --nthreads C` on a
C-core machine). Grading is CPU-bound in the kernels, so throughput grows with K*C until
one of three limits: the single writer (SaveAutoGrades, the files and outcome.json, a few
tens of ms per submission: thousands per hour), kernel start-up (a fixed ~1-2 s of every
submission, paid on every machine), and per-submission I/O (the submission and the
executed notebook travel through the scheduler: ~100 kB each for Lab 1).
"""
from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.connection
import os
import shutil
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

from ..course import CoursePaths
from .outcomes import CellOutcome, Outcome, load_outcome, outcome_path

MESSAGE_LIMIT = 500  # characters of a failed check's message kept in the outcome


@dataclass
class GradingTask:
    """Everything a worker needs to grade one submission, anywhere."""

    student: str
    lab: str
    notebooks: dict[str, bytes | None]  # each notebook of the lab -> the submitted file (None: not submitted)
    files: dict[str, bytes]  # other files next to the notebooks (the student's, then the source's)
    snapshot: Any  # sanitize.AssignmentSnapshot
    timeout: int
    memory_mb: int | None
    events: list[str] = field(default_factory=list)
    kernel_threads: int | None = None  # math library threads per kernel (None: the libraries' default)
    judge: bool = True  # test cells in a judge kernel apart from the student's code (grader/judge.py)
    lab_files: dict[str, bytes] = field(default_factory=dict)  # the lab's own files (the judge's folder)
    sandboxed: bool = True  # each kernel in its sandbox (False: --no-sandbox)
    fork: bool = True  # each kernel forked from the worker's sandboxed template (factory.py; False: --no-fork)
    preload: tuple[str, ...] = ()  # what the template imports (factory.preload_modules)


@dataclass
class NotebookResult:
    name: str
    notebook: str | None = None  # the executed notebook (JSON) when it could be graded
    reason: str = ""  # why it could not
    missing: bool = False  # not submitted at all (nbgrader scores it 0)
    by_grader: bool = False  # the grading failed, not the submission: graded again next run


@dataclass
class GradingResult:
    student: str
    lab: str
    notebooks: list[NotebookResult]
    cells: list[CellOutcome] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    tampered: list[str] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0


# ----------------------------------------------------------------------------- the worker side


def warm_up() -> None:
    """Worker initializer: pay for the imports once per worker, not once per submission."""
    import nbclient  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    from . import isolation, judge, pipeline, sanitize  # noqa: F401


def grade_submission(task: GradingTask) -> GradingResult:
    """Grade one submission in a scratch folder; never raises (a failure is a result)."""
    import tempfile

    from .sandbox import unavailable_reason

    if task.sandboxed and unavailable_reason():  # e.g. a Dask worker without bubblewrap
        return failed_result(task, f"not graded: this worker cannot sandbox kernels: {unavailable_reason()}")
    start = time.monotonic()
    result = GradingResult(task.student, task.lab, [], events=list(task.events))
    factory = kernel_factory(task)
    with factory.workdir(task.student) if factory else tempfile.TemporaryDirectory(prefix=f"grade-{task.student}-") \
            as workdir, tempfile.TemporaryDirectory(prefix=f"judge-{task.student}-") as judge_dir:
        _write_files(workdir, task.files)
        _write_files(judge_dir, task.lab_files)  # the judge reads the lab's files as released, never the student's
        for name, data in task.notebooks.items():
            result.notebooks.append(_grade_notebook(task, name, data, workdir, result, judge_dir, factory))
    result.seconds = round(time.monotonic() - start, 3)
    return result


def kernel_factory(task: GradingTask) -> Any:
    """This worker's kernel factory for the task (None: kernels start as before)."""
    if not (task.fork and task.sandboxed):  # the template's guarantees rest on the sandbox's PID namespace
        return None
    from .factory import factory_for

    return factory_for(task.preload, task.kernel_threads)


def _write_files(folder: str, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        target = Path(folder) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _grade_notebook(task: GradingTask, name: str, data: bytes | None, workdir: str,
                    result: GradingResult, judge_dir: str, factory: Any = None) -> NotebookResult:
    from .sanitize import SubmissionError, check_belongs, read_submission, sanitize

    if data is None:
        return NotebookResult(name, reason="not submitted", missing=True)
    try:
        nb = read_submission(data)
        check_belongs(nb, task.snapshot.notebooks[name], task.lab)
        resources = {"nbgrader": {"notebook": name, "assignment": task.lab, "student": task.student,
                                  "db_url": None},
                     "snapshot": task.snapshot, "metadata": {"path": workdir}}
        config = _grading_config(task.timeout)
        nb, tampered, events = sanitize(nb, resources, config)
        result.tampered += tampered
        result.events += events
        nb = _execute(nb, resources, config, task, result, judge_dir, factory)
    except SubmissionError as error:
        return NotebookResult(name, reason=str(error))
    except Exception as error:  # whatever a notebook does, the batch goes on
        return NotebookResult(name, reason=f"could not be graded: {type(error).__name__}: {error}"[:MESSAGE_LIMIT],
                              by_grader=True)
    result.cells += cell_outcomes(nb, name)
    import nbformat

    return NotebookResult(name, notebook=nbformat.writes(nb))


def _grading_config(timeout: int) -> Any:
    from traitlets.config import Config

    from ..course import configure

    config = configure(Config())
    config.Execute.timeout = timeout
    return config


def _execute(nb: Any, resources: dict, config: Any, task: GradingTask, result: GradingResult,
             judge_dir: str, factory: Any = None) -> Any:
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import CheckCellMetadata, IgnorePattern, LimitOutput

    from ..course import grading_mode
    from .isolation import IsolatedExecute, contain_unscorable_outputs, default_memory_mb
    from .judge import JudgedExecute
    from .sanitize import SubmissionError

    options = {"config": config, "memory_mb": task.memory_mb or default_memory_mb(), "threads": task.kernel_threads,
               "sandboxed": task.sandboxed, "factory": factory}
    executor = JudgedExecute(judge_path=judge_dir, **options) if task.judge else IsolatedExecute(**options)
    try:
        with grading_mode("autograde"):
            nb, resources = executor(nb, resources)
    finally:
        result.events += factory.take_events() if factory else []
    report = executor.report
    result.events += report.events
    result.interrupted = result.interrupted or report.interrupted
    if report.interrupted and not report.ran_any_cell:
        raise SubmissionError(report.events[-1])
    result.events += contain_unscorable_outputs(nb)
    for step in (IgnorePattern, ClearMetadataPreprocessor, LimitOutput, CheckCellMetadata):
        nb, resources = step(config=config)(nb, resources)
    return nb


def cell_outcomes(nb: Any, notebook: str) -> list[CellOutcome]:
    """nbgrader's score of every autograded test cell, with the failed check's message."""
    from ..cells import is_test_cell, score_cell

    outcomes = []
    for cell in nb.cells:
        if is_test_cell(cell):
            score = score_cell(cell)
            outcomes.append(CellOutcome(score.grade_id, notebook, score.score, score.max_score,
                                        score.message[:MESSAGE_LIMIT]))
    return outcomes


# ----------------------------------------------------------------------------- finding the work


def submission_folders(root: Path, lab: str) -> dict[str, Path]:
    """submitted/<student>/<lab>/ folders, by student."""
    return {folder.parent.name: folder for folder in sorted(CoursePaths(root).submitted_root.glob(f"*/{lab}"))
            if folder.is_dir()}


def is_up_to_date(root: Path, lab: str, student: str, folder: Path) -> bool:
    """A valid outcome newer than every file of the submission: graded already."""
    outcome = outcome_path(root, student, lab)
    if not outcome.exists():
        return False
    try:
        if load_outcome(outcome).grader_failed:  # the grading failed last time, not the submission
            return False
    except (ValueError, TypeError, KeyError):  # unreadable: not a valid outcome
        return False
    newest = max((p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()), default=0)
    return outcome.stat().st_mtime_ns > newest


def make_task(root: Path, lab: str, student: str, folder: Path, snapshot: Any, timeout: int,
              memory_mb: int | None, ignore: list[str], sandboxed: bool = True, fork: bool = True,
              preload: tuple[str, ...] = ()) -> GradingTask:
    from nbgrader.utils import find_all_files

    names = list(snapshot.notebooks)
    notebooks: dict[str, bytes | None] = {name: _read(folder / f"{name}.ipynb") for name in names}
    unknown = sorted(p for p in folder.glob("*.ipynb") if p.stem not in notebooks)
    events = [f"ignored {p.name}: not a notebook of {lab}" for p in unknown]
    if len(names) == 1 and notebooks[names[0]] is None and len(unknown) == 1:
        notebooks[names[0]] = unknown[0].read_bytes()  # one notebook, misnamed (e.g. "lab (1).ipynb")
        events = [f"graded {unknown[0].name} as {names[0]}.ipynb"]
    files, lab_files = {}, {}
    for base, found in ((folder, files), (root / "source" / lab, lab_files)):
        if base.is_dir():
            for path in find_all_files(str(base), ignore + ["*.ipynb"]):
                found[os.path.relpath(path, base)] = Path(path).read_bytes()
    files.update(lab_files)  # nbgrader's order: the student's files, then the source's over them
    return GradingTask(student, lab, notebooks, files, snapshot, timeout, memory_mb, events, lab_files=lab_files,
                       sandboxed=sandboxed, fork=fork, preload=preload)


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


# ----------------------------------------------------------------------------- running the tasks


WORKER_ATTEMPTS = 2  # a submission whose worker dies is graded once more, alone on a fresh worker


def run_on_pool(tasks: list[GradingTask], workers: int) -> Iterator[GradingResult]:
    """Results as they finish, from long-lived worker processes that grade one submission at a time.

    A worker that dies (a submission without a sandbox killed it, the machine's memory killer...)
    takes down only the submission it was grading: that one is retried on a fresh worker, then
    recorded as failed; the other workers and their submissions carry on.
    """
    context = _worker_context()
    pending = deque(tasks)
    attempts: Counter[int] = Counter()
    idle: list[_Worker] = []
    busy: dict[_Worker, GradingTask] = {}

    def dispatch(worker: _Worker) -> None:
        if pending:
            busy[worker] = pending.popleft()
            worker.send(busy[worker])
        else:
            idle.append(worker)

    try:
        while pending or busy:
            while pending and len(busy) < max(1, workers):
                dispatch(idle.pop() if idle else _Worker(context))
            ready = multiprocessing.connection.wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
            for worker in [w for w in busy if w.connection in ready or w.process.sentinel in ready]:
                task = busy.pop(worker)
                result = worker.receive()
                if result is not None:
                    dispatch(worker)  # its next submission runs while this result is recorded
                    yield result
                    continue
                worker.stop()
                attempts[id(task)] += 1
                if attempts[id(task)] < WORKER_ATTEMPTS:
                    pending.appendleft(task)
                else:
                    yield failed_result(task, f"the grading worker process died while grading this submission "
                                              f"({WORKER_ATTEMPTS} times, {worker.death()})")
    finally:
        for worker in [*idle, *busy]:
            worker.stop()


class _Worker:
    """One worker process and its end of a pipe: a task goes in, its result comes out."""

    def __init__(self, context: multiprocessing.context.BaseContext) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_work, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def send(self, task: GradingTask) -> None:
        try:
            self.connection.send(task)
        except OSError:  # already dead: receive() will say so
            pass

    def receive(self) -> GradingResult | None:
        """The result, or None if the worker died before sending it."""
        try:
            if self.connection.poll():
                return self.connection.recv()
        except (EOFError, OSError):
            pass
        return None

    def death(self) -> str:
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is not None and code < 0:
            import signal

            return f"killed by {signal.Signals(-code).name}" if -code in signal.Signals._value2member_map_ \
                else f"killed by signal {-code}"
        return f"exit status {code}"

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self.connection.send(None)  # an idle worker leaves by itself
            except OSError:
                pass
            self.process.join(timeout=0.5)
        if self.process.is_alive():
            self.process.terminate()  # a busy one is stopped; its sandboxed kernel dies with it
        self.process.join(timeout=5)
        self.connection.close()


def _work(connection: multiprocessing.connection.Connection) -> None:
    """A worker's life: grade the tasks it is sent, one at a time, until it is sent None."""
    from .factory import close_factories

    try:
        _serve(connection)
    finally:
        close_factories()  # its kernel template goes with it


def _serve(connection: multiprocessing.connection.Connection) -> None:
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            result = grade_submission(task)
        except Exception as error:  # noqa: BLE001 (a bug of ours: this submission's result says so)
            result = failed_result(task, f"grading error: {type(error).__name__}: {error}")
        connection.send(result)


def _worker_context() -> multiprocessing.context.BaseContext:
    """Fork where there is fork: the workers inherit nbgrader already imported by this process
    (a spawned worker spends ~1.7 s of CPU importing it again). The parent forks before it
    starts any thread of its own."""
    warm_up()
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


def run_on_dask(tasks: list[GradingTask], address: str) -> Iterator[GradingResult]:
    """Results as they finish, one Dask task per submission."""
    from distributed import Client, as_completed as dask_completed

    with Client(address) as client:
        futures = {client.submit(grade_submission, task, pure=False,
                                 key=f"grade-{task.lab}-{task.student}-{time.time_ns()}"): task
                   for task in tasks}
        for future in dask_completed(futures):
            try:
                yield future.result()
            except Exception as error:  # a killed worker, a lost connection...
                yield failed_result(futures[future], f"Dask task failed: {type(error).__name__}: {error}")


def failed_result(task: GradingTask, reason: str) -> GradingResult:
    """Nothing graded, through no fault the submission is known to have: the next run grades it again."""
    return GradingResult(task.student, task.lab,
                         [NotebookResult(name, reason=reason, by_grader=True) for name in task.notebooks],
                         events=list(task.events))


# ----------------------------------------------------------------------------- the single writer


class GradebookWriter:
    """The one process that writes grades: nbgrader's SaveAutoGrades, AssignLatePenalties, files, outcome."""

    def __init__(self, root: Path, lab: str, db_url: str, config: Any, snapshot: Any):
        from nbgrader.coursedir import CourseDirectory

        self.root, self.lab, self.db_url, self.config, self.snapshot = root, lab, db_url, config, snapshot
        self.coursedir = CourseDirectory(config=config)

    def record(self, result: GradingResult) -> Outcome:
        submitted = CoursePaths(self.root).submitted(result.student, self.lab)
        dest = CoursePaths(self.root).autograded(result.student, self.lab)
        self._write_files(result, submitted, dest)
        self._write_grades(result, submitted)
        outcome = self.outcome(result)
        outcome.save(self.root)
        return outcome

    def record_safely(self, result: GradingResult) -> Outcome:
        """record(), and if a result cannot be recorded, that submission fails alone (graded again next run)."""
        try:
            return self.record(result)
        except Exception as error:  # noqa: BLE001 (one submission's result must not stop the batch)
            reason = f"could not record the grades: {type(error).__name__}: {error}"[:MESSAGE_LIMIT]
            broken = [NotebookResult(n.name, reason=reason, by_grader=True) for n in result.notebooks]
            return self.record(replace(result, notebooks=broken, cells=[]))

    def _write_files(self, result: GradingResult, submitted: Path, dest: Path) -> None:
        from nbgrader.utils import find_all_files

        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        for base in (submitted, self.root / "source" / self.lab):  # as nbgrader's autograde copies them
            if base.is_dir():
                for path in find_all_files(str(base), self.coursedir.ignore + ["*.ipynb"]):
                    target = dest / os.path.relpath(path, base)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, target)
        for notebook in result.notebooks:
            if notebook.notebook is not None:
                (dest / f"{notebook.name}.ipynb").write_text(notebook.notebook)

    def _write_grades(self, result: GradingResult, submitted: Path) -> None:
        import warnings

        import nbformat
        import sqlalchemy
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

        from ..course import COURSE_ID

        try:
            timestamp = self.coursedir.get_existing_timestamp(str(submitted))
        except Exception:  # an unreadable timestamp.txt: graded as on time, and said so
            timestamp = None
            result.events.append("ignored an invalid timestamp.txt")
        with warnings.catch_warnings(), Gradebook(self.db_url, COURSE_ID) as gradebook:
            # nbgrader's update_or_create_submission trips SQLAlchemy 2's autoflush warnings: harmless
            warnings.simplefilter("ignore", sqlalchemy.exc.SAWarning)
            gradebook.update_or_create_student(result.student)
            extra = {"timestamp": timestamp} if timestamp else {}
            gradebook.update_or_create_submission(self.lab, result.student, **extra)
            for notebook in result.notebooks:
                if notebook.notebook is None:
                    self._mark_ungraded(gradebook, result.student, notebook)
        for notebook in result.notebooks:
            if notebook.notebook is not None:
                nb = nbformat.reads(notebook.notebook, as_version=4)
                resources = {"nbgrader": {"notebook": notebook.name, "assignment": self.lab,
                                          "student": result.student, "db_url": self.db_url}}
                for step in (SaveAutoGrades, AssignLatePenalties):
                    nb, resources = step(config=self.config)(nb, resources)

    def _mark_ungraded(self, gradebook: Any, student: str, notebook: NotebookResult) -> None:
        """Not submitted: 0, as nbgrader does. Broken: no score, and flagged for a human."""
        submission = gradebook.find_submission_notebook(notebook.name, self.lab, student)
        for grade in submission.grades:
            grade.auto_score, grade.needs_manual_grade = (0, False) if notebook.missing else (None, True)
        gradebook.db.commit()

    def outcome(self, result: GradingResult) -> Outcome:
        graded = [n for n in result.notebooks if n.notebook is not None]
        broken = [n for n in result.notebooks if n.notebook is None]
        reasons = [n.reason if len(result.notebooks) == 1 else f"{n.name}: {n.reason}" for n in broken]
        grader_failed = any(n.by_grader for n in broken)
        if not graded:
            return Outcome(result.student, self.lab, "failed", "; ".join(reasons), result.events,
                           result.tampered, [], result.seconds, grader_failed)
        cells = list(result.cells)
        for notebook in broken:  # the rest of the lab was graded: these cells count, at 0
            cells += [CellOutcome(c.name, notebook.name, 0.0, c.max_score, f"not graded: {notebook.reason}")
                      for c in self.snapshot.notebooks[notebook.name].grade_cells
                      if c.cell_type == "code" and not c.solution]
        status = "partial" if result.interrupted or broken else "graded"
        return Outcome(result.student, self.lab, status, "; ".join(reasons), result.events,
                       result.tampered, cells, result.seconds, grader_failed)


# ----------------------------------------------------------------------------- the command


def grade_lab(lab: str, root: Path, workers: int | None = None, dask_address: str | None = None,
              timeout: int | None = None, memory_mb: int | None = None, force: bool = False,
              db_url: str | None = None, progress: bool = True, sandbox: bool = True,
              fork: bool = True, judge: bool = True) -> list[Outcome]:
    """Autograde every submitted notebook of ``lab`` under the course folder ``root``.

    Returns the outcome of every submission of the lab, graded now or before (skipped).
    ``memory_mb`` caps each grading kernel (default: the machine's memory per core, at least
    4 GB); ``timeout`` is per cell, in seconds. ``sandbox=False`` runs kernels as plain
    processes (trusted work only: see sandbox.NO_SANDBOX_GIVES_UP); with ``sandbox=True`` on a
    machine that cannot sandbox, SystemExit says why and what ``--no-sandbox`` would give up.
    ``fork=False`` starts every kernel afresh instead of forking it from a template that has
    imported the lab's libraries (factory.py; also where forking is not available).
    ``judge=False`` runs the test cells in the student's kernel, as plain nbgrader does (trusted
    work only: a submission can then forge its score).
    """
    from nbgrader.api import Gradebook, MissingEntry
    from tqdm import tqdm

    from ..course import COURSE_ID, db_url_or_default, lab_judged, lab_timeout, nbgrader_config
    from .factory import preload_modules
    from .sanitize import read_snapshot

    root = Path(root).resolve()
    check_sandbox(sandbox and not dask_address, progress)  # a Dask worker checks its own
    judge = judge and lab_judged(lab, root)  # a lab whose tests are not judge-ready yet says so in lab.toml
    timeout = timeout or lab_timeout(lab, root)
    db_url = db_url_or_default(db_url, root)
    config = nbgrader_config(root, db_url)
    with Gradebook(db_url, COURSE_ID) as gradebook:
        try:
            snapshot = read_snapshot(gradebook, lab)
        except MissingEntry:
            raise SystemExit(f"{lab} is not in the gradebook ({db_url}): run `autograder release {lab}` first")
    folders = submission_folders(root, lab)
    todo = [s for s, folder in folders.items() if force or not is_up_to_date(root, lab, s, folder)]
    ignore = list(config.CourseDirectory.ignore)
    preload = preload_modules(lab, root) if fork and sandbox else ()
    tasks = (replace(make_task(root, lab, s, folders[s], snapshot, timeout, memory_mb, ignore, sandbox, fork, preload),
                     judge=judge)
             for s in todo)
    writer = GradebookWriter(root, lab, db_url, config, snapshot)
    workers = workers or len(os.sched_getaffinity(0))
    start = time.monotonic()
    fresh: list[Outcome] = []
    if dask_address:
        results = run_on_dask(list(tasks), dask_address)
    else:
        # Kernels share the cores: N kernels each running N BLAS/OpenMP threads would oversubscribe them.
        threads = max(1, len(os.sched_getaffinity(0)) // workers)
        results = run_on_pool([replace(task, kernel_threads=threads) for task in tasks], workers)
    # No monitor thread: the pool forks its workers while the bar is shown, and a fork must find no thread.
    tqdm.monitor_interval = 0
    with tqdm(total=len(todo), desc=f"grading {lab}", unit="submission", disable=not progress,
              file=sys.stderr) as bar:
        for result in results:
            fresh.append(writer.record_safely(result))
            bar.set_postfix_str(f"{result.student}: {fresh[-1].status}", refresh=False)
            bar.update()
    elapsed = time.monotonic() - start
    outcomes = [load_outcome(outcome_path(root, s, lab)) for s in folders
                if outcome_path(root, s, lab).exists()]
    if progress:
        where = f"Dask cluster {dask_address}" if dask_address else f"{workers} workers"
        print(summary_table(lab, fresh, len(folders) - len(todo), elapsed, where))
    return outcomes


def check_sandbox(wanted: bool, progress: bool) -> None:
    """Refuse to grade without a sandbox unless asked to; say what grading without one gives up."""
    from .sandbox import NO_SANDBOX_GIVES_UP, unavailable_reason

    if not wanted:
        if progress:
            print(f"grading without a sandbox (--no-sandbox). {NO_SANDBOX_GIVES_UP}", file=sys.stderr)
        return
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"cannot sandbox the grading kernels: {reason}.\n"
                         f"To grade anyway, pass --no-sandbox. {NO_SANDBOX_GIVES_UP}")


def summary_table(lab: str, fresh: list[Outcome], skipped: int, elapsed: float, where: str) -> str:
    """Graded, partial, failed (with the reasons), time and seconds per submission."""
    counts = Counter(o.status for o in fresh)
    lines = [f"{lab}: {len(fresh)} graded now on {where}, {skipped} already graded (skipped; --force regrades)"]
    for status in ("graded", "partial", "failed"):
        lines.append(f"  {status:<8}{counts.get(status, 0):>5}")
        for outcome in (o for o in fresh if o.status == status and status != "graded"):
            why = outcome.reason or "; ".join(outcome.events)
            lines.append(f"            {outcome.student}: {why}"[:160])
    tampered = [o.student for o in fresh if o.tampered]
    if tampered:
        lines.append(f"  tampered test cells (restored): {', '.join(tampered)}")
    per = elapsed / len(fresh) if fresh else 0.0
    lines.append(f"  time    {elapsed:8.1f} s   ({per:.2f} s per submission)")
    return "\n".join(lines)


def cmd_grade(args: argparse.Namespace) -> int:
    from ..course import lab_timeout, repo_root

    root = Path(args.root or repo_root()).resolve()
    timeout = args.timeout or lab_timeout(args.lab, root)
    try:
        grade_lab(args.lab, root, workers=args.workers, dask_address=args.dask, timeout=timeout,
                  memory_mb=args.memory, force=args.force, db_url=args.db, progress=True,
                  sandbox=not args.no_sandbox, fork=not args.no_fork, judge=not args.no_judge)
    except KeyboardInterrupt:
        print("interrupted: the submissions graded so far are saved; run the same command to carry on",
              file=sys.stderr)
        return 130
    return 0  # a submission that could not be graded is an outcome, not a failure of the command


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("lab", help="lab id, e.g. lab01_fundamentals")
    p.add_argument("--workers", type=int, default=None, help="submissions graded at once (default: cores)")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="grade on a Dask cluster instead, e.g. tcp://scheduler:8786")
    p.add_argument("--timeout", type=int, default=None,
                   help="seconds a cell may run (default: the lab's timeout, 60)")
    p.add_argument("--memory", type=int, default=None, metavar="MB",
                   help="memory cap per grading kernel (default: RAM per core, at least 4096)")
    p.add_argument("--force", action="store_true", help="regrade submissions already graded")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run grading kernels as plain processes, without bubblewrap: for trusted work only "
                        "(a submission could then read solutions and hidden tests and change grades)")
    p.add_argument("--no-fork", action="store_true",
                   help="start every grading kernel afresh instead of forking it from a template process that has "
                        "imported the lab's libraries (slower; the same grades)")
    p.add_argument("--no-judge", action="store_true",
                   help="run the test cells in the student's kernel, as plain nbgrader does (faster, but a "
                        "submission can then forge its score: for trusted work only)")
    p.set_defaults(func=cmd_grade)
