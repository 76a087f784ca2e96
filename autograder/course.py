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
    judge: bool = True  # grading runs the test cells in a judge kernel (false: in the student's kernel)
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)  # the whole lab.toml

    def notebook_file(self, name: str) -> Path:
        return self.folder / f"{name}.py"


LAB_KEYS = {"title", "points", "notebooks", "timeout", "cross_exercise", "preload", "judge"}


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
               cross_exercise=tuple(sorted(meta.get("cross_exercise", {}).items())),
               judge=bool(meta.get("judge", True)), extra=meta)


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


def lab_judged(lab_id: str, root: Path | None = None) -> bool:
    """Whether grading runs the lab's test cells in a judge kernel: its lab.toml in this folder, else in
    the repository of this package (a course folder may hold no assignments/); yes when neither says."""
    for folder in (root, None):
        try:
            return load_lab(lab_id, folder).judge
        except CourseError:
            continue
    return True


def course_settings(root: Path | None = None) -> dict[str, Any]:
    path = (root or repo_root()) / "course.toml"
    return tomllib.loads(path.read_text())["course"] if path.exists() else {}


# ----------------------------------------------------------------------------- the public side

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
# A moving branch is never a pin; a version tag (v1.2, 0.3.0rc1) or a commit hash is.
PINNED_REF = re.compile(r"^(v?\d+(\.\d+)*([.\-+]?[0-9A-Za-z]+)*|[0-9a-f]{7,40})$")


@dataclass(frozen=True)
class StudentPackage:
    """What the first cell of every notebook installs where it is missing: a pinned pip requirement."""

    requirement: str  # e.g. "nn-course-autograder @ git+https://github.com/OWNER/NAME@v0.1.0"
    distribution: str  # the project name in pyproject.toml (not the import name: PyPI has an `autograder`)
    version: str  # autograder.__version__ (= pyproject.toml's): the notebooks check it is the one installed


@dataclass(frozen=True)
class CourseSettings:
    """course.toml: the course's title, its public repository, the students' package and how to hand in."""

    title: str
    owner: str  # the public repository students open the labs from (`autograder publish` writes its content)
    name: str
    ref: str  # the branch or tag the "Open in Colab" links open
    package: StudentPackage
    submit_where: str  # "the lab's assignment on the course page, before its deadline"
    file_name: str  # how a handed-in notebook is named: "{notebook}.ipynb" ({lab}, {student_id} allowed)

    def colab_url(self, lab: str, notebook: str) -> str:
        return (f"https://colab.research.google.com/github/{self.owner}/{self.name}/blob/{self.ref}/"
                f"release/{lab}/{notebook}.ipynb")

    def badge(self, lab: str, notebook: str) -> str:
        """The "Open in Colab" badge of a released notebook, as markdown."""
        return f"[![Open In Colab]({COLAB_BADGE})]({self.colab_url(lab, notebook)})"

    def hand_in_file(self, lab: str, notebook: str) -> str:
        """The name a student hands a notebook in under (a student id shown as a placeholder)."""
        return self.file_name.format(lab=lab, notebook=notebook, student_id="<your student id>")


def check_pinned(requirement: str, distribution: str, version: str) -> None:
    """CourseError unless ``requirement`` installs ``distribution`` at ``version`` from a fixed place.

    A git URL must end in @<tag or commit> (a version tag must be the version itself), a wheel URL
    must name the version, an index requirement must say ==version: never a moving branch, so that
    a change to the checks cannot reach students in the middle of a lab.
    """
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        req = Requirement(requirement)
    except InvalidRequirement as error:
        raise CourseError(f"course.toml: package = {requirement!r} is not a pip requirement: {error}") from None
    where = f"course.toml: package = {requirement!r}"
    if canonicalize_name(req.name) != canonicalize_name(distribution):
        raise CourseError(f"{where} names {req.name!r}, but the course package is {distribution!r}")
    if req.url and req.url.startswith("git+"):
        path = req.url.split("://", 1)[-1]
        ref = path.rsplit("@", 1)[1].split("#")[0] if "@" in path.split("/", 1)[-1] else ""
        if not ref or not PINNED_REF.match(ref):
            raise CourseError(f"{where} must be pinned to a tag or a commit, e.g. ...@v{version} "
                              f"(got {ref or 'no ref'!r}: a branch moves under the students)")
        if not re.fullmatch(r"[0-9a-f]{7,40}", ref) and ref.lstrip("v") != version:
            raise CourseError(f"{where}: the tag {ref!r} is not the package's version {version} "
                              f"(autograder.__version__): tag the public repository v{version} when you publish")
    elif req.url:
        wheel = req.url.rsplit("/", 1)[-1]
        if f"-{version}-" not in wheel and f"-{version}." not in wheel:
            raise CourseError(f"{where}: the file {wheel!r} is not version {version} of the package")
    elif str(req.specifier) != f"=={version}":
        raise CourseError(f"{where} must pin the version: {distribution}=={version}")


def student_package_metadata() -> tuple[str, str]:
    """(distribution, version) of this package: what every notebook checks is installed."""
    from . import DISTRIBUTION, __version__

    return DISTRIBUTION, __version__


def settings(root: Path | None = None) -> CourseSettings:
    """course.toml, checked: a CourseError says what is missing or not pinned.

    A scratch course folder without course.toml (a test's, the demo's) gets placeholders: a public
    repository OWNER/REPOSITORY and the package pinned to this version on the package index.
    """
    root = Path(root or repo_root())
    distribution, version = student_package_metadata()
    if not (root / "course.toml").exists():
        course = {"public": {"owner": "OWNER", "name": "REPOSITORY", "ref": "main"},
                  "package": f"{distribution}=={version}"}
    else:
        course = course_settings(root)
    public = course.get("public", {})
    submission = course.get("submission", {})
    missing = [key for key in ("owner", "name", "ref") if not public.get(key)]
    if missing:
        raise CourseError(f"course.toml: [course.public] needs {missing} (the repository students open labs from)")
    if "package" not in course:
        raise CourseError("course.toml: [course] needs package = \"<pip requirement>\" (what notebooks install)")
    package = StudentPackage(course["package"], distribution, version)
    check_pinned(package.requirement, package.distribution, package.version)
    file_name = submission.get("file_name", "{notebook}.ipynb")
    if "{notebook}" not in file_name or not file_name.endswith(".ipynb"):
        raise CourseError(f"course.toml: submission file_name = {file_name!r} must contain {{notebook}} "
                          "and end in .ipynb")
    return CourseSettings(title=course.get("title", COURSE_ID), owner=public["owner"], name=public["name"],
                          ref=public["ref"], package=package,
                          submit_where=submission.get("where", "the lab's assignment on the course page"),
                          file_name=file_name)


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
