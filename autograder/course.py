"""The course's layout: where labs live, what each declares, and nbgrader's configuration."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11: only the instructors' tools read TOML
    import tomli as tomllib  # type: ignore[no-redef]

LAB_IDS = (
    "lab01_fundamentals",
    "lab02_computational_graphs",
    "lab03_mlp_backprop",
    "lab04_convolution",
    "lab05_cnn_training",
    "lab06_rnn",
    "lab07_pretrained_models",
)
COURSE_ID = "nn-course"
CELL_TIMEOUT = 60  # seconds a cell may run while grading; a lab.toml may raise it


def repo_root() -> Path:
    """The course repository: $COURSE_ROOT, else the nearest folder above cwd holding assignments/."""
    if os.environ.get("COURSE_ROOT"):
        return Path(os.environ["COURSE_ROOT"]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "assignments").is_dir():
            return folder
    return here


@dataclass(frozen=True)
class Lab:
    """One lab as declared by assignments/<lab>/lab.toml."""

    id: str
    title: str
    points: float
    notebooks: tuple[str, ...]
    folder: Path
    timeout: int = CELL_TIMEOUT
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def notebook_file(self, name: str) -> Path:
        return self.folder / f"{name}.py"


def load_lab(lab_id: str, root: Path | None = None) -> Lab:
    folder = (root or repo_root()) / "assignments" / lab_id
    meta = tomllib.loads((folder / "lab.toml").read_text())
    points = meta["points"]  # a total, or a table {notebook = points} for a lab of several notebooks
    total = sum(points.values()) if isinstance(points, dict) else points
    return Lab(id=lab_id, title=meta["title"], points=float(total),
               notebooks=tuple(meta["notebooks"]), folder=folder,
               timeout=int(meta.get("timeout", CELL_TIMEOUT)), extra=meta)


def labs(root: Path | None = None) -> list[Lab]:
    """The labs present in assignments/, in course order."""
    root = root or repo_root()
    present = [lab for lab in LAB_IDS if (root / "assignments" / lab / "lab.toml").exists()]
    return [load_lab(lab, root) for lab in present]


def course_settings(root: Path | None = None) -> dict[str, Any]:
    path = (root or repo_root()) / "course.toml"
    return tomllib.loads(path.read_text())["course"] if path.exists() else {}


def configure(c: Any, root: Path | None = None, db_url: str | None = None) -> Any:
    """Fill an nbgrader (traitlets) config with the course's settings; returns it."""
    root = Path(root or repo_root())
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = str(root)
    if db_url:
        c.CourseDirectory.db_url = db_url
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    c.ExecutePreprocessor.timeout = CELL_TIMEOUT
    c.Execute.timeout = CELL_TIMEOUT
    c.Execute.interrupt_on_timeout = True
    c.Execute.kernel_name = "python3"
    c.ClearOutput.remove_metadata_fields = ["collapsed", "scrolled", "execution"]
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "mutants.py",
                                "alternatives.py", "lab.toml"]
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
