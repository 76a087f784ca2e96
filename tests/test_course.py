"""The course model: labs found in assignments/ (never a fixed list), settings honoured everywhere,
and a student's import that stays light."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.build import build
from autograder.authoring.harness import evaluate_notebook, execute_release, fill_submission, read_candidates
from autograder.course import CourseError, labs, load_lab

from conftest import ROOT
from grading_course import nbgrader_command

TEMPLATE = ROOT / "docs" / "template" / "lab08_template"
HEAVY = ("nbgrader", "nbformat", "nbclient", "traitlets", "jupytext", "dask", "distributed", "sqlalchemy")


def python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_a_students_import_loads_no_instructor_library():
    """The notebook's imports (autograder, checks, data, setup) load none of the grading tools."""
    loaded = json.loads(python(
        "import json, sys, autograder, autograder.checks, autograder.data\n"
        "autograder.grading(); autograder.setup_notebook  # called in a kernel, where IPython is loaded anyway\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"))
    assert not set(HEAVY) & set(loaded), f"a student's import loads {sorted(set(HEAVY) & set(loaded))}"


def test_the_command_line_imports_only_the_command_it_runs():
    """`autograder --help` lists every command without importing any command's module."""
    loaded = json.loads(python(
        "import json, sys\nfrom autograder.cli import parser\nparser([]).format_help()\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('autograder', 'nbgrader', 'numpy')))))"))
    assert loaded == ["autograder", "autograder.cli"], loaded


def course_with(tmp_path: Path, *lab_folders: tuple[str, Path]) -> Path:
    for lab_id, folder in lab_folders:
        shutil.copytree(folder, tmp_path / "assignments" / lab_id)
    return tmp_path


def test_a_new_lab_folder_is_built_and_self_tested(tmp_path):
    """A lab whose id no list names (the template, as lab08_template) is found, built and self-tested."""
    root = course_with(tmp_path, ("lab08_template", TEMPLATE))
    assert [lab.id for lab in labs(root)] == ["lab08_template"]
    assert build(root=root) == ["lab08_template"]
    lab = load_lab("lab08_template", root)
    source = root / "source" / lab.id / "lab08_template.ipynb"
    candidates = read_candidates(lab.folder / "mutants.py") + read_candidates(lab.folder / "alternatives.py")
    report = evaluate_notebook(source, candidates, timeout=lab.timeout)
    assert report.scores and all(s.score == s.max_score for s in report.scores) and not report.errors
    mutant, alternative = report.candidates
    assert mutant.points < mutant.max_points and mutant.fails_visible_check
    assert alternative.points == alternative.max_points
    released = execute_release(root / "release" / lab.id / "lab08_template.ipynb", source, lab.timeout)
    assert released and all(s.score == 0 for s in released)


def test_selftest_command_prints_one_candidate(tmp_path, capsys):
    """`autograder selftest LAB --only TEXT`: the author's quick loop on one mutant."""
    from autograder.cli import main

    root = course_with(tmp_path, ("lab08_template", TEMPLATE))
    build(root=root)
    assert main(["selftest", "lab08_template", "--root", str(root), "--only", "keeps-the-negative"]) == 0
    out = capsys.readouterr().out
    assert "source 2/2 points" in out and "a visible check catches it" in out and "alternative" not in out


@pytest.mark.parametrize("damage,message", [
    (lambda folder: (folder / "lab.toml").unlink(), "has no lab.toml"),
    (lambda folder: (folder / "lab.toml").write_text("title = \n"), "not valid TOML"),
    (lambda folder: (folder / "lab.toml").write_text('title = "x"\npoints = 3\n'), "lacks ['notebooks']"),
    (lambda folder: (folder / "lab08_template.py").unlink(), "lab08_template.py is not there"),
    (lambda folder: (folder / "lab.toml").write_text((TEMPLATE / "lab.toml").read_text() + "timout = 5\n"),
     "unknown settings ['timout']"),
])
def test_a_broken_lab_folder_is_an_error_that_says_why(tmp_path, damage, message):
    """A lab folder the course cannot read is never skipped in silence."""
    root = course_with(tmp_path, ("lab08_template", TEMPLATE))
    damage(root / "assignments" / "lab08_template")
    with pytest.raises(CourseError, match=message.replace("[", r"\[").replace("]", r"\]")):
        labs(root)


def test_a_lab_id_must_follow_the_pattern(tmp_path):
    root = course_with(tmp_path, ("Lab8-Attention", TEMPLATE))
    with pytest.raises(CourseError, match="labNN_name"):
        labs(root)


def test_candidate_ids_stay_when_a_candidate_is_inserted(tmp_path):
    """Test ids come from the mistake's words, not from positions: inserting a mutant renames nothing."""
    before = read_candidates(TEMPLATE / "mutants.py")
    text = (TEMPLATE / "mutants.py").read_text().replace(
        '# %% exercise="relu"', '# %% exercise="relu" mistake="returns its input unchanged"\n'
        'def relu(x):\n    return x\n\n# %% exercise="relu"', 1)
    (tmp_path / "mutants.py").write_text(text)
    after = read_candidates(tmp_path / "mutants.py")
    assert [c.test_id for c in before] == [c.test_id for c in after[1:]]
    assert after[0].test_id == "relu-returns-its-input-unchanged"


def test_plain_nbgrader_autograde_honours_the_labs_timeout(tmp_path):
    """`nbgrader autograde` in the course folder runs each cell with the timeout of the lab's lab.toml."""
    root = course_with(tmp_path, ("lab08_template", TEMPLATE))
    toml = root / "assignments" / "lab08_template" / "lab.toml"
    toml.write_text(toml.read_text() + "timeout = 3\n")
    (root / "nbgrader_config.py").write_text("from autograder.course import configure\n"
                                            f"configure(get_config(), root={str(root)!r})\n")
    build(root=root)
    slow = "import time\ntime.sleep(8)\ndef relu(x):\n    return np.maximum(x, 0)"
    nb = fill_submission(root / "release" / "lab08_template" / "lab08_template.ipynb",
                         root / "source" / "lab08_template" / "lab08_template.ipynb", {"relu": slow})
    target = root / "submitted" / "student1" / "lab08_template" / "lab08_template.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(nb, target)
    done = nbgrader_command(root, "autograde", "lab08_template", "--force")
    assert done.returncode == 0, done.stderr[-2000:]
    graded = nbformat.read(root / "autograded" / "student1" / "lab08_template" / "lab08_template.ipynb", 4)
    errors = [o.get("ename") for c in graded.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert "CellTimeoutError" in errors or any("Timeout" in (e or "") for e in errors), errors


def test_the_notebooks_grading_function_survives_the_grading_tools():
    """`autograder.grading()` stays callable in a process that imported the grading engine too."""
    import autograder
    import autograder.grader.engine  # noqa: F401

    assert callable(autograder.grading) and autograder.grading() in (True, False)
