"""The student's own check before handing in: ``autograder.check_notebook()`` and ``autograder.check(id)``.

``check_notebook()`` runs the notebook again in the current kernel, cell by cell from the top like
*Run all* but without stopping at a failure, and prints a checklist per exercise: passed, failed
(with the check's message) or not attempted, with the points at stake; then how to hand in.
``check("softmax")`` runs the visible checks of one exercise against what the kernel holds now.

It needs the notebook's cells, which it finds by itself:

- in Google Colab, where the notebook is not on the kernel's disk, from the browser through
  ``google.colab._message.blocking_request("get_ipynb")`` (what the editor shows now, which is also
  what File → Download gives);
- in JupyterLab, Jupyter and VS Code, as last saved: the path the server gives the kernel
  (``__session__`` / ``JPY_SESSION_NAME``, ``__vsc_ipynb_file__``), else the running Jupyter
  servers' sessions API matched on this kernel's id;
- else from the path it is given, and where there is none it says so.

The notebook is read with the json module (no nbformat: the student package stays light), and its
cells are run with IPython's own input transformations, so magics work as in the notebook.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .cells import exercises, grade_id, is_manual_cell, is_test_cell, points, strip_magics

SETUP_MARK = "_course_setup("  # the build's setup cell (re-running it would re-route stderr inside a capture)
CHECK_MARKS = ("check_notebook(", "autograder.check(")  # cells that run a check themselves: never recursively
STUB_MARKS = ("YOUR CODE HERE", "raise NotImplementedError()")
ANSWER_STUB = "YOUR ANSWER HERE"
NOT_WRITTEN = "is not written yet"  # what checks.call says about a function that raises NotImplementedError
MESSAGE_LINES = 4  # lines of a failed check's message shown in the checklist


class NotebookNotFound(RuntimeError):
    """Where the notebook's cells cannot be found; the message says how to run the check instead."""


# ----------------------------------------------------------------------------- finding the notebook


def _read(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _from_colab() -> dict[str, Any] | None:
    """The notebook as Colab's editor holds it (None outside Colab)."""
    try:
        from google.colab import _message  # type: ignore[import-not-found]
    except ImportError:
        return None
    reply = _message.blocking_request("get_ipynb", request="", timeout_sec=60)
    if not isinstance(reply, dict) or not isinstance(reply.get("ipynb"), dict):
        raise NotebookNotFound("Colab did not hand over the notebook (" + str(reply)[:80] + "): save it "
                               "(File → Save), then run this cell again.")
    return reply["ipynb"]


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _session_path() -> Path | None:
    """The notebook file this kernel was started for: ipykernel sets ``__session__`` from the server's
    ``JPY_SESSION_NAME``; VS Code sets ``__vsc_ipynb_file__``."""
    shell = _shell()
    names = shell.user_ns if shell is not None else {}
    name = names.get("__session__") or names.get("__vsc_ipynb_file__") or os.environ.get("JPY_SESSION_NAME")
    if not name or not str(name).endswith(".ipynb"):
        return None
    path = Path(name)
    for candidate in (path, Path.cwd() / path, Path.cwd() / path.name):
        if candidate.is_file():
            return candidate
    return None


def _server_session_path() -> Path | None:
    """This kernel's notebook from the running Jupyter servers' sessions API (older servers)."""
    try:
        from ipykernel.connect import get_connection_file
        from jupyter_core.paths import jupyter_runtime_dir
    except ImportError:
        return None
    try:
        kernel_id = Path(get_connection_file()).stem.split("kernel-", 1)[-1]
    except Exception:  # not in a kernel started with a connection file
        return None
    import urllib.request

    for info_file in sorted(Path(jupyter_runtime_dir()).glob("*server-*.json")):
        try:
            info = json.loads(info_file.read_text())
            request = urllib.request.Request(info["url"].rstrip("/") + "/api/sessions",
                                             headers={"Authorization": f"token {info.get('token', '')}"})
            with urllib.request.urlopen(request, timeout=2) as reply:
                sessions = json.load(reply)
        except Exception:  # a stale server file, a server that wants a password: try the next
            continue
        for session in sessions:
            if session.get("kernel", {}).get("id") == kernel_id:
                path = Path(info.get("root_dir") or info.get("notebook_dir") or ".") / session.get("path", "")
                if path.is_file():
                    return path
    return None


def find_notebook(path: str | os.PathLike | None = None) -> tuple[dict[str, Any], str]:
    """(the notebook as a dict, where it came from); NotebookNotFound with what to do instead."""
    if path is not None:
        if not Path(path).is_file():
            raise NotebookNotFound(f"{path} is not a file: give the path of the .ipynb file")
        return _read(Path(path)), str(path)
    colab = _from_colab()
    if colab is not None:
        return colab, "this Colab notebook"
    found = _session_path() or _server_session_path()
    if found is not None:
        return _read(found), f"{found.name} as last saved"
    raise NotebookNotFound(
        "Could not tell which notebook this kernel belongs to (not Colab, no Jupyter server said).\n"
        "Save the notebook and give its file: autograder.check_notebook(\"lab01_fundamentals.ipynb\"),\n"
        "or open it in Colab or JupyterLab and run this cell again.")


# ----------------------------------------------------------------------------- running cells


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


@dataclass
class Outcome:
    """What running one cell gave: None when it ran through."""

    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def not_written(self) -> bool:
        return isinstance(self.error, NotImplementedError) or NOT_WRITTEN in str(self.error or "")

    @property
    def message(self) -> str:
        from .checks import CheckFailed

        if self.error is None:
            return ""
        if isinstance(self.error, CheckFailed):
            return str(self.error)
        text = str(self.error).strip().splitlines()
        line = getattr(self.error, "lineno", None) if isinstance(self.error, SyntaxError) else None
        where = f" (line {line})" if line else ""
        return f"{type(self.error).__name__}: {text[0] if text else ''}{where}"


class Runner:
    """Runs cell sources in the notebook's namespace, their output captured (a checklist is what counts)."""

    def __init__(self) -> None:
        self.shell = _shell()
        self.namespace = self.shell.user_ns if self.shell is not None else sys.modules["__main__"].__dict__
        self.number = 0

    @contextlib.contextmanager
    def _captured(self) -> Iterator[None]:
        if self.shell is not None:
            from IPython.utils.capture import capture_output

            with capture_output(stdout=True, stderr=True, display=True):
                yield
        else:
            sink = io.StringIO()
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                yield

    def _compile(self, source: str) -> Any:
        self.number += 1
        if self.shell is None:
            return compile(strip_magics(source), f"<notebook cell {self.number}>", "exec")
        code = self.shell.transform_cell(source)
        # cached under a name, so that inspect.getsource works on what the cell defines (assert_not_used)
        name = self.shell.compile.cache(code, 10 ** 6 + self.number, raw_code=source)
        return compile(code, name, "exec", dont_inherit=True)

    def run(self, source: str) -> Outcome:
        try:
            with self._captured():
                try:
                    exec(self._compile(source), self.namespace)
                finally:
                    if "matplotlib.pyplot" in sys.modules:  # figures would be drawn under this cell
                        sys.modules["matplotlib.pyplot"].close("all")
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # the cell's own failure (SystemExit too) is a result, not ours
            return Outcome(error)
        return Outcome()


# ----------------------------------------------------------------------------- the checklist


@dataclass
class ExerciseResult:
    name: str
    points: float
    status: str  # passed, failed, not attempted, hidden only
    message: str = ""
    hidden_only_cells: int = 0


@dataclass
class Checklist:
    where: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    written: list[tuple[str, float, bool]] = field(default_factory=list)  # (id, points, answered)
    hand_in: str = ""
    interrupted: str = ""

    def lines(self) -> list[str]:
        out = []
        width = max([len(e.name) for e in self.exercises] + [len(w[0]) + 10 for w in self.written] + [8])
        marks = {"passed": "✓", "failed": "✗", "not attempted": "·", "hidden only": "?"}
        for result in self.exercises:
            head = f"{marks[result.status]} {result.name:<{width}} {_points(result.points):>7}  {result.status}"
            if result.status == "passed" and result.hidden_only_cells:
                head += " (more of it is checked only at grading)"
            elif result.status == "hidden only":
                head = head.replace("hidden only", "no visible check: tested when graded")
            out.append(head)
            for line in result.message.splitlines()[:MESSAGE_LINES]:
                out.append(" " * (width + 13) + line)
        for name, pts, answered in self.written:
            state = "answered" if answered else "not answered yet"
            out.append(f"{'✎' if answered else '·'} {name + ' (written)':<{width}} {_points(pts):>7}  "
                       f"{state}: graded by hand")
        counts = {s: sum(e.status == s for e in self.exercises) for s in ("passed", "failed", "not attempted")}
        auto = sum(e.points for e in self.exercises)
        passed = sum(e.points for e in self.exercises if e.status == "passed")
        out += ["", f"{counts['passed']} of {len(self.exercises)} exercises pass their visible checks "
                    f"({passed:g} of {auto:g} autograded points); {counts['failed']} failed, "
                    f"{counts['not attempted']} not attempted.",
                "Hidden tests run when your work is graded: passing the visible checks does not "
                "guarantee the points."]
        if self.interrupted:
            out.insert(0, self.interrupted)
        if self.hand_in:
            out += ["", self.hand_in]
        return out


def _points(value: float) -> str:
    text = f"{value:g}"
    return f"{text} pt" if text == "1" else f"{text} pts"


def _hand_in_text(cells: list[dict[str, Any]]) -> str:
    """The notebook's own "Handing in" cell as plain text (the build writes it from course.toml)."""
    for cell in cells:
        text = _source(cell)
        if cell.get("cell_type") == "markdown" and (cell.get("id") == "hand_in" or text.startswith("## Handing in")):
            return text.replace("## ", "").replace("**", "").replace("`", "")
    return ("To hand in: save the notebook, download it (Colab: File → Download → Download .ipynb) "
            "and submit the file.")


def _is_stub(source: str) -> bool:
    return all(mark in source for mark in STUB_MARKS)


def _skipped(cell: dict[str, Any]) -> bool:
    source = _source(cell)
    return cell.get("cell_type") != "code" or SETUP_MARK in source or any(m in source for m in CHECK_MARKS)


def _course_cells(path: str | os.PathLike | None) -> tuple[list[dict[str, Any]], str] | None:
    """(the notebook's cells, where it came from), or None after saying why there are none."""
    try:
        nb, where = find_notebook(path)
    except NotebookNotFound as problem:
        print(problem)
        return None
    cells = nb.get("cells", [])
    if not any(is_test_cell(c) for c in cells):
        print(f"{where} has no test cells that the course marked (their metadata is gone, or this is not a lab "
              "notebook): open a fresh copy of the lab and paste your answers in.")
        return None
    return cells, where


def _graded_exercises(cells: list[dict[str, Any]]) -> list[Any]:
    return [e for e in exercises(types.SimpleNamespace(cells=cells)) if e.tests]


def _exercise_result(exercise: Any, cells: list[dict[str, Any]], ran: dict[int, Outcome]) -> ExerciseResult:
    by_id = {grade_id(c): i for i, c in enumerate(cells) if grade_id(c)}
    solutions = [by_id[s] for s in exercise.solution_ids]
    tests = [by_id[t] for t in exercise.test_ids]
    result = ExerciseResult(exercise.name, exercise.max_score, "passed")
    result.hidden_only_cells = sum("note_hidden_tests(" in _source(cells[i]) for i in tests)
    if any(_is_stub(_source(cells[i])) for i in solutions):
        result.status = "not attempted"
        return result
    broken = [ran[i] for i in solutions if i in ran and not ran[i].ok and not ran[i].not_written]
    if broken:
        result.status, result.message = "failed", "your cell: " + broken[0].message
        return result
    outcomes = [ran[i] for i in tests if i in ran]
    failed = [o for o in outcomes if not o.ok and not o.not_written]
    if failed:
        result.status, result.message = "failed", failed[0].message
    elif any(o.not_written for o in outcomes) or any(ran.get(i, Outcome()).not_written for i in solutions):
        result.status = "not attempted"
    elif tests and result.hidden_only_cells == len(tests):
        result.status = "hidden only"
    return result


def check_notebook(path: str | os.PathLike | None = None) -> Checklist | None:
    """Run every code cell of the notebook in this kernel, continuing past failures; print the checklist."""
    from . import grading

    if grading():
        print("check_notebook: skipped while grading.")
        return None
    found = _course_cells(path)
    if found is None:
        return None
    cells, where = found
    runnable = [i for i, c in enumerate(cells) if not _skipped(c)]
    print(f"Checking {where}: running its {len(runnable)} code cells again from the top (like Run all, "
          "without stopping at a failure)...", flush=True)
    runner = Runner()
    ran: dict[int, Outcome] = {}
    checklist = Checklist(where)
    for index in runnable:
        try:
            ran[index] = runner.run(_source(cells[index]))
        except KeyboardInterrupt:
            checklist.interrupted = f"Interrupted at cell {index + 1}: the exercises below it are not checked.\n"
            break
    checklist.exercises = [_exercise_result(e, cells, ran) for e in _graded_exercises(cells)]
    checklist.written = [(grade_id(c) or f"cell {i + 1}", points(c), _source(c).strip() != ANSWER_STUB)
                         for i, c in enumerate(cells) if is_manual_cell(c)]
    checklist.hand_in = _hand_in_text(cells)
    print("\n".join(checklist.lines()))
    return checklist


def check_exercise(exercise: str, path: str | os.PathLike | None = None) -> ExerciseResult | None:
    """Run the visible checks of one exercise against what the kernel holds now; print each result."""
    notebook = _course_cells(path)
    if notebook is None:
        return None
    cells, where = notebook
    found = _find_exercise(exercise, cells)
    if found is None:
        names = [e.name for e in _graded_exercises(cells)]
        print(f"No exercise {exercise!r} in {where}. Its exercises: {', '.join(names)}")
        return None
    by_id = {grade_id(c): i for i, c in enumerate(cells) if grade_id(c)}
    runner = Runner()
    ran = {}
    for test_id in found.test_ids:
        cell = cells[by_id[test_id]]
        ran[by_id[test_id]] = outcome = runner.run(_source(cell))
        title = _source(cell).strip().split("\n", 1)[0].strip('"')
        if outcome.ok and "note_hidden_tests(" in _source(cell):
            print(f"… {title} (checked only when your work is graded)")
            continue
        mark = "✓" if outcome.ok else ("·" if outcome.not_written else "✗")
        print(f"{mark} {title}")
        for line in outcome.message.splitlines()[:MESSAGE_LINES]:
            print(f"    {line}")
    result = _exercise_result(found, cells, ran)
    print(f"{found.name}: {result.status} ({_points(result.points)}); more tests run when your work is graded.")
    return result


def _find_exercise(name: str, cells: list[dict[str, Any]]) -> Any:
    """The exercise whose solution cell or test cell has this id, or whose solution cell defines this name."""
    from .cells import bound_names

    found = _graded_exercises(cells)
    for e in found:
        if name == e.name or name in e.solution_ids or name in e.test_ids:
            return e
    by_id = {grade_id(c): c for c in cells if grade_id(c)}
    for e in found:
        for sid in e.solution_ids:
            try:
                if name in bound_names(strip_magics(_source(by_id[sid]))):
                    return e
            except SyntaxError:
                continue
    return None
