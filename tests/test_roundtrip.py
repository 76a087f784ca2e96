"""Round trip through real nbgrader: generate_assignment, submissions, autograde, scores from the gradebook."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.build import generate_release
from autograder.course import labs
from autograder.harness import fill_submission

from conftest import ROOT

LABS = labs(ROOT)


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_nbgrader_autograde_gives_full_marks_and_zero(lab, tmp_path):
    """A correct submission gets every autograded point and an empty one gets none."""
    shutil.copytree(ROOT / "source" / lab.id, tmp_path / "source" / lab.id)
    (tmp_path / "nbgrader_config.py").write_text(
        f"from autograder.course import configure\nconfigure(get_config(), root={str(tmp_path)!r})\n")
    generate_release(lab.id, tmp_path)
    for name in lab.notebooks:
        release = tmp_path / "release" / lab.id / f"{name}.ipynb"
        for student, answers in (("correct", None), ("empty", {}), ):
            folder = tmp_path / "submitted" / student / lab.id
            folder.mkdir(parents=True, exist_ok=True)
            nb = fill_submission(release, ROOT / "source" / lab.id / f"{name}.ipynb") if answers is None \
                else nbformat.read(release, as_version=4)
            nbformat.write(nb, folder / f"{name}.ipynb")
    run = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", lab.id, "--force"],
                         cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ,
                              "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        correct = gradebook.find_submission(lab.id, "correct")
        empty = gradebook.find_submission(lab.id, "empty")
        assert correct.max_code_score > 0
        assert correct.code_score == correct.max_code_score, \
            [(g.name, g.score, g.max_score) for nb in correct.notebooks for g in nb.grades if g.score != g.max_score]
        assert empty.code_score == 0
