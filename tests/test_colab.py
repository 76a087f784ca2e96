"""Students in Colab: the released notebooks run in a Colab-like environment, alone in a folder.

The environment (tests/colab_env.py) has what Colab has and nothing of this repository: no
nbgrader, no jupytext, no course package until a notebook's first cell installs it. The package is
the wheel built from what `autograder publish` writes (what students' pip would build from the
public repository). Each released notebook is copied alone into an empty folder, its solution
cells filled with the reference answers, and executed with nbclient: every visible test passes
and nothing reaches stderr. Training cells take their grading-mode path (NBGRADER_EXECUTION set), as
in every other notebook test: in student mode Lab 3's MNIST training alone takes minutes on a
loaded 2-core machine. `COLAB_STUDENT_MODE=1 pytest tests/test_colab.py` runs them as a student
would (full training, data loaders trying the network). With the package missing and the network unreachable, the first cell
shows its one message and every later cell at most one line (no traceback, no NameError cascade).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import DISTRIBUTION, __version__
from autograder.authoring.build import CHECK_ID, SETUP_ID
from autograder.authoring.harness import fill_submission
from autograder.authoring.publish import publish
from autograder.cells import grade_id, is_test_cell
from autograder.course import labs, settings

from colab_env import installed_version, kernel_env, overlay, run_notebook
from conftest import ROOT, TINY_LAB

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the Colab-like venv is made for Linux")
NOTEBOOKS = [pytest.param(lab.id, name, id=f"{lab.id}/{name}") for lab in labs(ROOT) for name in lab.notebooks]
FIRST_NOTEBOOKS = [pytest.param(lab.id, lab.notebooks[0], id=lab.id) for lab in labs(ROOT)]
TRACEBACK = re.compile(r"Traceback|File \"|----> |\bline \d+, in ")
STUDENT_MODE = bool(os.environ.get("COLAB_STUDENT_MODE"))


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """What `autograder publish` writes: the public repository's content."""
    dest = tmp_path_factory.mktemp("public")
    publish(dest, ROOT)
    return dest


@pytest.fixture(scope="module")
def wheel(published, tmp_path_factory) -> Path:
    """The course package as pip builds it from the public repository."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(published)], check=True, capture_output=True)
    return next(out.glob("*.whl"))


def setup_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if grade_id(c) == SETUP_ID)


@pytest.fixture(scope="module")
def installed(published, wheel, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A Colab-like venv where the first cell of a notebook installed the package, from the wheel in place
    of the URL; with what that cell printed."""
    python = overlay(tmp_path_factory.mktemp("colab") / "venv")
    source = setup_cell(nbformat.read(next((published / "release").glob("*/*.ipynb")), as_version=4)).source
    requirement = settings(ROOT).package.requirement
    assert requirement in source
    local = source.replace(requirement, f"{DISTRIBUTION} @ {wheel.as_uri()}")
    torch_before = installed_version(python, "torch")
    done = subprocess.run([str(python), "-c", local], capture_output=True, text=True, cwd=wheel.parent,
                          env=kernel_env(python, wheel.parent / "data"))
    assert installed_version(python, "torch") == torch_before, "installing the course package changed torch"
    return python, done


def test_the_first_cell_installs_the_package_quietly(installed):
    """One line on success; pip's log stays out of sight; this course's distribution at this version."""
    python, done = installed
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == f"Installing the course package ({DISTRIBUTION} {__version__})... done.\n", done.stdout
    assert done.stderr == "", done.stderr[-2000:]
    assert installed_version(python, DISTRIBUTION) == __version__
    for absent in ("nbgrader", "jupytext", "nbformat"):
        assert installed_version(python, absent) is None, f"the Colab-like venv has {absent}"


def outputs(cell: nbformat.NotebookNode, kind: str) -> list[nbformat.NotebookNode]:
    return [o for o in cell.get("outputs", []) if o.output_type == kind]


def stderr_of(cell: nbformat.NotebookNode) -> str:
    return "".join(o.text for o in outputs(cell, "stream") if o.name == "stderr")


def run_alone(lab: str, notebook: str, nb: nbformat.NotebookNode, python: Path, tmp_path: Path,
              on_disk: bool = True, **env: str) -> nbformat.NotebookNode:
    """The notebook alone in an empty folder (or, as in Colab, not even there), executed in the
    Colab-like kernel with the network unreachable."""
    folder = tmp_path / "content"
    folder.mkdir()
    if on_disk:
        nbformat.write(nb, folder / f"{notebook}.ipynb")
    return run_notebook(nb, folder, python, {**kernel_env(python, tmp_path / "data"), **env})


def stdout_of(cell: nbformat.NotebookNode) -> str:
    return "".join(o.text for o in outputs(cell, "stream") if o.name == "stdout")


@pytest.mark.parametrize("lab,notebook", NOTEBOOKS)
def test_a_solved_notebook_passes_every_visible_test_in_colab(lab, notebook, published, installed, tmp_path):
    python, _ = installed
    nb = fill_submission(published / "release" / lab / f"{notebook}.ipynb",
                         ROOT / "source" / lab / f"{notebook}.ipynb")
    done = run_alone(lab, notebook, nb, python, tmp_path, **({} if STUDENT_MODE else {"NBGRADER_EXECUTION": "autograde"}))
    problems = [f"{c.get('id')}: {o.ename}: {o.evalue[:300]}" for c in done.cells for o in outputs(c, "error")]
    problems += [f"{c.get('id')} wrote to stderr: {stderr_of(c)[:300]}" for c in done.cells if stderr_of(c)]
    assert not problems, "\n".join(problems)
    assert sum(is_test_cell(c) for c in done.cells), "no test cell ran"


@pytest.mark.parametrize("lab,notebook", FIRST_NOTEBOOKS)
def test_without_the_package_and_offline_the_first_cell_says_what_to_do(lab, notebook, published, tmp_path):
    """The setup cell fails with one short message; every later cell shows at most one line."""
    python = overlay(tmp_path / "venv")
    nb = fill_submission(published / "release" / lab / f"{notebook}.ipynb",
                         ROOT / "source" / lab / f"{notebook}.ipynb")
    done = run_alone(lab, notebook, nb, python, tmp_path)
    first = setup_cell(done)
    [error] = outputs(first, "error")
    message = "\n".join(error.traceback)
    assert message.startswith("Course setup failed: could not install the course package"), message
    assert "Most likely cause: no internet connection" in message, message
    assert "Runtime → Restart session" in message and f'!pip install "{settings(ROOT).package.requirement}"' in message
    assert len(error.traceback) <= 5 and not TRACEBACK.search(message), message
    assert "".join(o.text for o in outputs(first, "stream")) == \
        f"Installing the course package ({DISTRIBUTION} {__version__})... failed.\n", "pip's log reached the notebook"
    later = [c for c in done.cells[done.cells.index(first) + 1:] if c.cell_type == "code"]
    for cell in later:
        assert not stderr_of(cell), f"{cell.get('id')} wrote to stderr: {stderr_of(cell)[:300]}"
        for error in outputs(cell, "error"):
            assert len(error.traceback) == 1 and "the course package is missing" in error.traceback[0], \
                f"{cell.get('id')}: {error.traceback}"
    imports = next(c for c in later if outputs(c, "error"))
    assert "No module named 'autograder'" in outputs(imports, "error")[0].traceback[0]


# ----------------------------------------------------------------------------- check_notebook() and check()

TINY = TINY_LAB  # relu (2 points), double (1 + 1 hidden), halve (1), a written answer
EXPECTED_CHECKLIST = [
    r"✓ relu +2 pts +passed",
    r"✗ double +2 pts +failed",
    r"double\(3\): expected 6, got 9",
    r"· halve +1 pt +not attempted",
    r"· why_piecewise \(written\) +1 pt +not answered yet: graded by hand",
    r"1 of 3 exercises pass their visible checks \(2 of 5 autograded points\); 1 failed, 1 not attempted\.",
    r"Hidden tests run when your work is graded",
    rf"Upload {TINY}\.ipynb to the lab's assignment on the course page",
]
FAKE_COLAB = {  # google.colab as far as check_notebook uses it: the browser hands over the notebook it shows
    "google/__init__.py": "",
    "google/colab/__init__.py": "",
    "google/colab/_message.py": (
        "import json, os\n\n"
        "def blocking_request(request_type, request='', timeout_sec=5, parent=None):\n"
        "    assert request_type == 'get_ipynb', request_type\n"
        "    with open(os.environ['FAKE_COLAB_NOTEBOOK']) as handle:\n"
        "        return {'ipynb': json.load(handle)}\n"),
}


def tiny_submission(root: Path) -> nbformat.NotebookNode:
    """relu right, double wrong, halve untouched, the written answer blank; then check("double")."""
    nb = fill_submission(root / "release" / TINY / f"{TINY}.ipynb", root / "source" / TINY / f"{TINY}.ipynb",
                         {"double": "def double(x):\n    return 3 * x", "halve": ""}, manual=False)
    index = next(i for i, c in enumerate(nb.cells) if c.get("id") == CHECK_ID)
    nb.cells.insert(index, nbformat.v4.new_code_cell('import autograder\nautograder.check("double")'))
    return nb


def assert_checklist(done: nbformat.NotebookNode) -> None:
    check = next(c for c in done.cells if c.get("id") == CHECK_ID)
    assert not outputs(check, "error") and not stderr_of(check), check.outputs
    text = stdout_of(check)
    for pattern in EXPECTED_CHECKLIST:
        assert re.search(pattern, text), f"{pattern!r} not in:\n{text}"
    one = stdout_of(done.cells[[c.get("id") for c in done.cells].index(CHECK_ID) - 1])
    assert one.splitlines()[:2] == ["✗ double(3) is 6.",
                                    "    double(3): expected 6, got 9"], one
    assert "… double works element by element on arrays. (checked only when your work is graded)" in one, one
    assert "double: failed (2 pts)" in one, one


def test_check_notebook_in_a_jupyter_kernel(tiny_course, installed, tmp_path):
    """A kernel a Jupyter server started (JPY_SESSION_NAME): the notebook as last saved."""
    python, _ = installed
    nb = tiny_submission(tiny_course)
    nb.cells.append(nbformat.v4.new_code_cell(  # and where nothing says which notebook this is
        'import os\nos.environ.pop("JPY_SESSION_NAME", None)\nget_ipython().user_ns.pop("__session__", None)\n'
        'autograder.check_notebook()'))
    done = run_alone(TINY, TINY, nb, python, tmp_path, JPY_SESSION_NAME=str(tmp_path / "content" / f"{TINY}.ipynb"))
    assert_checklist(done)
    lost = stdout_of(done.cells[-1])
    assert "Could not tell which notebook this kernel belongs to" in lost and "check_notebook(\"" in lost, lost


def colab_format(nb: nbformat.NotebookNode) -> dict:
    """The notebook as Colab's browser holds it: no nbformat 4.5 cell ids, Colab's own cell metadata."""
    data = json.loads(nbformat.writes(nb))
    data["nbformat_minor"] = 0
    data["metadata"]["colab"] = {"name": f"{TINY}.ipynb", "provenance": []}
    for number, cell in enumerate(data["cells"]):
        cell.pop("id", None)
        cell["metadata"]["id"] = f"colab{number:04d}"  # sources stay lists of lines, as Colab sends them
    return data


def test_check_notebook_in_colab(tiny_course, installed, tmp_path):
    """In Colab the notebook is not on the kernel's disk: it comes from the browser (simulated here)."""
    python, _ = installed
    nb = tiny_submission(tiny_course)
    fake = tmp_path / "fake_colab"
    for name, text in FAKE_COLAB.items():
        (fake / name).parent.mkdir(parents=True, exist_ok=True)
        (fake / name).write_text(text)
    browser = tmp_path / "browser.json"
    browser.write_text(json.dumps(colab_format(nb)))
    done = run_alone(TINY, TINY, nb, python, tmp_path, on_disk=False, PYTHONPATH=str(fake),
                     FAKE_COLAB_NOTEBOOK=str(browser))
    assert not list((tmp_path / "content").glob("*.ipynb"))
    assert_checklist(done)
