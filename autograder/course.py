"""The course model: its labs (discovered from ``assignments/*/lab.toml``), their settings, the course's
folders, and the nbgrader configuration every tool and a plain ``nbgrader`` command read.

Everything that names a lab, a lab setting or a course path asks this module: the build, the
self-test, grading, the reports and ``nbgrader_config.py``.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11: only the instructors' tools read TOML
    import tomli as tomllib  # type: ignore[no-redef]

COURSE_ID = "nn-course"
CELL_TIMEOUT = 60  # seconds a cell may run while grading, unless a lab.toml says `timeout = N`
LAB_ID = re.compile(r"^lab\d{2}_[a-z0-9_]+$")  # lab01_fundamentals: sorts in course order


class CourseError(ValueError):
    """The course folder declares something inconsistent (a lab folder without lab.toml, a bad setting...)."""


def repo_root() -> Path:
    """The course repository: $COURSE_ROOT, else the nearest folder above cwd holding assignments/."""
    if os.environ.get("COURSE_ROOT"):
        return Path(os.environ["COURSE_ROOT"]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "assignments").is_dir():
            return folder
    return here


# ----------------------------------------------------------------------------- labs


@dataclass(frozen=True)
class Lab:
    """One lab as declared by assignments/<lab>/lab.toml."""

    id: str
    title: str
    points: float  # the lab's total
    notebooks: tuple[str, ...]  # in order
    folder: Path
    timeout: int = CELL_TIMEOUT  # seconds per cell while grading
    notebook_points: tuple[tuple[str, float], ...] = ()  # per notebook, for a lab of several notebooks
    cross_exercise: tuple[tuple[str, str], ...] = ()  # test cells that may depend on several exercises: (id, why)
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)  # the whole lab.toml

    def notebook_file(self, name: str) -> Path:
        return self.folder / f"{name}.py"


LAB_KEYS = {"title", "points", "notebooks", "timeout", "cross_exercise"}


def load_lab(lab_id: str, root: Path | None = None) -> Lab:
    """The lab's declaration; CourseError saying what is wrong when lab.toml is missing or malformed."""
    folder = (root or repo_root()) / "assignments" / lab_id
    path = folder / "lab.toml"
    if not path.exists():
        raise CourseError(f"assignments/{lab_id}/ has no lab.toml (title, points, notebooks): "
                          "see docs/writing-a-lab.md")
    try:
        meta = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise CourseError(f"assignments/{lab_id}/lab.toml is not valid TOML: {error}") from None
    missing = {"title", "points", "notebooks"} - set(meta)
    if missing:
        raise CourseError(f"assignments/{lab_id}/lab.toml lacks {sorted(missing)}")
    unknown = set(meta) - LAB_KEYS
    if unknown:
        raise CourseError(f"assignments/{lab_id}/lab.toml: unknown settings {sorted(unknown)} "
                          f"(known: {sorted(LAB_KEYS)})")
    notebooks = tuple(meta["notebooks"])
    points = meta["points"]  # a total, or a table {notebook = points} for a lab of several notebooks
    per_notebook = tuple((name, float(points[name])) for name in notebooks) if isinstance(points, dict) else ()
    if isinstance(points, dict) and set(points) != set(notebooks):
        raise CourseError(f"assignments/{lab_id}/lab.toml: points name {sorted(points)}, "
                          f"notebooks are {list(notebooks)}")
    for name in notebooks:
        if not (folder / f"{name}.py").exists():
            raise CourseError(f"assignments/{lab_id}/lab.toml lists {name!r}, but {name}.py is not there")
    total = sum(p for _, p in per_notebook) if per_notebook else float(points)
    return Lab(id=lab_id, title=meta["title"], points=total, notebooks=notebooks, folder=folder,
               timeout=int(meta.get("timeout", CELL_TIMEOUT)), notebook_points=per_notebook,
               cross_exercise=tuple(sorted(meta.get("cross_exercise", {}).items())), extra=meta)


def lab_folders(root: Path) -> list[Path]:
    """Every folder of assignments/ (hidden folders and __pycache__ aside)."""
    folder = root / "assignments"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def labs(root: Path | None = None) -> list[Lab]:
    """Every lab in assignments/, in course order (by id); a folder that is not a valid lab is an error."""
    root = Path(root or repo_root())
    found = []
    for folder in lab_folders(root):
        if not LAB_ID.match(folder.name):
            raise CourseError(f"assignments/{folder.name}/: a lab id is labNN_name in lower case "
                              "(e.g. lab08_attention)")
        found.append(load_lab(folder.name, root))
    return found


def lab_ids(root: Path | None = None) -> list[str]:
    return [lab.id for lab in labs(root)]


def lab_timeout(lab_id: str, root: Path | None = None) -> int:
    """The lab's seconds per cell (CELL_TIMEOUT for a lab this folder does not declare)."""
    try:
        return load_lab(lab_id, root).timeout
    except CourseError:
        return CELL_TIMEOUT


def course_settings(root: Path | None = None) -> dict[str, Any]:
    path = (root or repo_root()) / "course.toml"
    return tomllib.loads(path.read_text())["course"] if path.exists() else {}


# ----------------------------------------------------------------------------- folders


@dataclass(frozen=True)
class CoursePaths:
    """Where everything of a course folder lives (nbgrader's layout, plus ours)."""

    root: Path

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def source(self, lab: str) -> Path:
        return self.root / "source" / lab

    def release(self, lab: str) -> Path:
        return self.root / "release" / lab

    @property
    def submitted_root(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded_root(self) -> Path:
        return self.root / "autograded"

    def submitted(self, student: str, lab: str) -> Path:
        return self.submitted_root / student / lab

    def autograded(self, student: str, lab: str) -> Path:
        return self.autograded_root / student / lab

    def feedback(self, student: str, lab: str) -> Path:
        return self.root / "feedback" / student / lab

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    def reports(self, lab: str) -> Path:
        return self.root / "reports" / lab


def paths(root: Path | None = None) -> CoursePaths:
    return CoursePaths(Path(root or repo_root()))


def db_url_or_default(db_url: str | None, root: Path) -> str:
    return db_url or CoursePaths(Path(root)).gradebook_url


@contextlib.contextmanager
def grading_mode(mode: str = "autograde") -> Iterator[None]:
    """Set NBGRADER_EXECUTION as nbgrader does, so training cells take their fast path."""
    old = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = mode
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = old


# ----------------------------------------------------------------------------- nbgrader


FILES_NOT_RELEASED = ["mutants.py", "alternatives.py", "lab.toml"]


def configure(c: Any, root: Path | None = None, db_url: str | None = None) -> Any:
    """Fill an nbgrader (traitlets) config with the course's settings; returns it.

    ``nbgrader_config.py`` calls this, so plain ``nbgrader`` commands in the course folder use the
    same settings as ``autograder``: among them, autograde runs each lab with its own timeout.
    """
    from .grader.pipeline import nbgrader_autograde_preprocessors

    root = Path(root or repo_root())
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = str(root)
    if db_url:
        c.CourseDirectory.db_url = db_url
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    c.Execute.timeout = CELL_TIMEOUT  # LabExecute replaces it with the lab's own timeout
    c.Execute.interrupt_on_timeout = True
    c.Execute.kernel_name = "python3"
    c.Autograde.autograde_preprocessors = nbgrader_autograde_preprocessors()
    c.ClearOutput.remove_metadata_fields = ["collapsed", "scrolled", "execution"]
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", *FILES_NOT_RELEASED]
    return c


def interpreter_env() -> dict[str, str]:
    """os.environ with this interpreter's bin folder first on PATH, for nbgrader run as a subprocess."""
    bindir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bindir in path.split(os.pathsep):
        return dict(os.environ)
    return {**os.environ, "PATH": bindir + os.pathsep + path}


def put_interpreter_on_path() -> None:
    """nbgrader runs the `alembic` executable by name to create a gradebook: find ours without activation."""
    os.environ["PATH"] = interpreter_env()["PATH"]


def nbgrader_config(root: Path | None = None, db_url: str | None = None) -> Any:
    from traitlets.config import Config

    put_interpreter_on_path()
    return configure(Config(), root, db_url)
