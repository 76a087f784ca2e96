"""The student-facing side of the course configuration: course.toml's pinned package and public repository,
the "Open in Colab" badges, the hand-in cell (and `collect` accepting its file names), and `autograder
publish`, whose tree must hold nothing of the solutions, hidden tests, mutants, alternatives or model answers."""
from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import nbformat
import pytest

import autograder
from autograder.authoring.build import BADGE_ID, HAND_IN_ID, SETUP_ID
from autograder.authoring.harness import read_candidates
from autograder.authoring.publish import TABLE_END, TABLE_START, labs_table, publish
from autograder.cells import grade_id
from autograder.course import CourseError, check_pinned, labs, settings
from autograder.grader.collect import collect

from conftest import ROOT
from test_build import lab_secret_lines, line_windows, released_lines

LABS = labs(ROOT)
COURSE = settings(ROOT)
COLAB_URL = re.compile(r"https://colab\.research\.google\.com/github/([^/\s)]+)/([^/\s)]+)/blob/([^/\s)]+)/"
                       r"(release/[^\s)]+\.ipynb)")
RELEASED = sorted((ROOT / "release").glob("*/*.ipynb"))


# ----------------------------------------------------------------------------- course.toml


def test_the_package_version_is_pyprojects():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert (project["name"], project["version"]) == (autograder.DISTRIBUTION, autograder.__version__)


@pytest.mark.parametrize("requirement,problem", [
    ("nn-course-autograder @ git+https://github.com/o/r@v0.1.0", None),
    ("nn-course-autograder @ git+https://github.com/o/r@3f2a9c1", None),
    ("nn-course-autograder==0.1.0", None),
    ("nn-course-autograder @ https://example.org/nn_course_autograder-0.1.0-py3-none-any.whl", None),
    ("nn-course-autograder @ git+https://github.com/o/r@main", "pinned to a tag or a commit"),
    ("nn-course-autograder @ git+https://github.com/o/r.git", "pinned to a tag or a commit"),
    ("nn-course-autograder @ git+https://github.com/o/r@v0.2.0", "is not the package's version 0.1.0"),
    ("nn-course-autograder>=0.1", "must pin the version"),
    ("autograder==0.1.0", "the course package is 'nn-course-autograder'"),
])
def test_the_students_package_must_be_pinned(requirement, problem):
    """A moving branch would change the checks under students in the middle of a lab."""
    if problem is None:
        check_pinned(requirement, "nn-course-autograder", "0.1.0")
    else:
        with pytest.raises(CourseError, match=re.escape(problem)):
            check_pinned(requirement, "nn-course-autograder", "0.1.0")


def test_this_course_pins_its_package():
    assert COURSE.package.version == autograder.__version__
    check_pinned(COURSE.package.requirement, autograder.DISTRIBUTION, autograder.__version__)


# ----------------------------------------------------------------------------- the notebooks' own cells


def cells(path: Path) -> list[nbformat.NotebookNode]:
    return nbformat.read(path, as_version=4).cells


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_released_notebook_opens_with_its_badge_and_its_setup_cell(path):
    badge, setup = cells(path)[:2]
    assert badge.cell_type == "markdown" and badge.get("id") == BADGE_ID
    assert badge.source == COURSE.badge(path.parent.name, path.stem)
    assert grade_id(setup) == SETUP_ID
    # this course's distribution at this version, checked by its metadata (PyPI has a project named autograder)
    for value in (COURSE.package.requirement, autograder.DISTRIBUTION, autograder.__version__):
        assert f'"{value}"' in setup.source
    assert "metadata.version(" in setup.source and "find_spec" not in setup.source


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_released_notebook_ends_with_how_to_hand_it_in(path):
    lab = next(lab for lab in LABS if lab.id == path.parent.name)
    last = cells(path)[-1]
    assert last.cell_type == "markdown" and last.get("id") == HAND_IN_ID
    assert "autograder.check_notebook()" in last.source and "File → Download" in last.source
    for name in lab.notebooks:  # a lab of several notebooks lists every file
        assert f"`{COURSE.hand_in_file(lab.id, name)}`" in last.source
    assert COURSE.submit_where in last.source


def badge_urls(text: str) -> list[re.Match]:
    return list(COLAB_URL.finditer(text))


def test_the_readme_labs_table_is_generated_from_the_configuration():
    readme = (ROOT / "README.md").read_text()
    table = readme.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    assert table == labs_table(COURSE, LABS), "README.md's labs table is stale: run `make build`"


@pytest.mark.parametrize("where", ["README.md", *[str(p.relative_to(ROOT)) for p in RELEASED]])
def test_every_badge_opens_a_notebook_of_release(where):
    text = (ROOT / where).read_text()
    found = badge_urls(text)
    assert found, f"{where} has no Open in Colab badge"
    for match in found:
        owner, name, ref, path = match.groups()
        assert (owner, name, ref) == (COURSE.owner, COURSE.name, COURSE.ref), match.group(0)
        assert (ROOT / path).is_file(), f"{where}: {match.group(0)} points at {path}, which release/ does not have"
    if where == "README.md":
        assert {m.group(4) for m in found} == {str(p.relative_to(ROOT)) for p in RELEASED}, \
            "the README has one badge per released notebook"


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_collect_accepts_the_file_names_the_notebooks_ask_for(lab, tmp_path):
    """As downloaded from Colab and renamed by an LMS, or as a copy saved in Drive and downloaded twice."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "release" / lab.id, course / "release" / lab.id)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    expected = {}
    for student, pattern in (("12345", "doe_jane_12345_{}"), ("23456", "roe_ann_23456_Copy of {}")):
        for name in lab.notebooks:
            file = COURSE.hand_in_file(lab.id, name).replace("<your student id>", student)
            if student == "23456":
                file = file.replace(".ipynb", " (1).ipynb")
            (inbox / pattern.format(file)).write_text(json.dumps({"student": student, "notebook": name}))
            expected[(student, name)] = pattern.format(file)
    actions = collect(lab.id, inbox, course)
    assert sorted((a.student, a.notebook) for a in actions if a.verdict == "collected") == sorted(expected), \
        [a.line() for a in actions]


# ----------------------------------------------------------------------------- publish


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("public")
    publish(dest, ROOT)
    return dest


def test_publish_writes_the_student_tree(published):
    top = sorted(p.name for p in published.iterdir())
    assert top == ["README.md", "autograder", "pyproject.toml", "release"], top
    assert sorted(p.relative_to(published) for p in (published / "release").glob("*/*.ipynb")) == \
        sorted(p.relative_to(ROOT) for p in RELEASED)
    assert (published / "autograder" / "data" / "mnist_10k.npz").is_file(), "the bundled digits are part of it"
    assert not list(published.rglob("__pycache__"))
    for forbidden in ("mutants.py", "alternatives.py", "lab.toml"):
        assert not list(published.rglob(forbidden)), forbidden


def test_the_student_readme_has_the_labs_and_the_student_flow(published):
    readme = (published / "README.md").read_text()
    assert labs_table(COURSE, LABS) in readme
    for step in ("Open", "Run the first cell", "Fill in", "check_notebook()", "File → Download", "Hand in"):
        assert step in readme, step
    assert f'pip install "{COURSE.package.requirement}"' in readme
    for match in badge_urls(readme):
        assert (published / match.group(4)).is_file(), match.group(0)


def test_publish_keeps_git_and_will_not_overwrite_by_accident(published, tmp_path):
    dest = tmp_path / "clone"
    (dest / ".git").mkdir(parents=True)
    (dest / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (dest / "old.txt").write_text("from an earlier publication")
    with pytest.raises(CourseError, match="not empty"):
        publish(dest, ROOT)
    publish(dest, ROOT, force=True)
    assert (dest / ".git" / "HEAD").is_file() and not (dest / "old.txt").exists()


def secrets_of(lab) -> tuple[set[str], set[tuple[str, ...]]]:
    """(lines, 3-line windows) that only instructors may see: solutions, hidden tests, model answers,
    mutants and alternatives; minus the lines students see anyway in the released notebooks (common
    lines such as `rng = np.random.default_rng(0)`: what a release may show is test_build's concern)."""
    public = set().union(*(released_lines(p) for p in RELEASED))
    lines = lab_secret_lines(lab) - public
    windows: set[tuple[str, ...]] = set()
    for kind in ("mutants.py", "alternatives.py"):
        for candidate in read_candidates(lab.folder / kind):
            code = {line.strip() for line in candidate.code.splitlines()}
            lines |= {line for line in code - public if len(line) >= 20 and not line.startswith("#")}
            windows |= line_windows(candidate.code)
    for name in lab.notebooks:
        source = nbformat.read(ROOT / "source" / lab.id / f"{name}.ipynb", as_version=4)
        for cell in source.cells:
            for region in re.findall(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END", cell.source, re.S):
                windows |= line_windows(region)
    return lines, windows


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_the_publication_leaks_nothing_of_a_lab(lab, published):
    """Notebooks, README and every text file line by line; the package's code by runs of 3 lines (a single
    common line such as `return out` may appear in any code)."""
    lines, windows = secrets_of(lab)
    leaks = []
    for path in sorted(p for p in published.rglob("*") if p.is_file() and p.suffix in (".ipynb", ".md", ".py", ".toml")):
        where = path.relative_to(published)
        if path.suffix == ".py":
            found = sorted(windows & line_windows(path.read_text()))
            leaks += [f"{where}: {' / '.join(w)[:100]}" for w in found[:3]]
        else:
            found = sorted(lines & released_lines(path))
            leaks += [f"{where}: {line[:100]}" for line in found[:3]]
    assert not leaks, "\n".join(leaks)
