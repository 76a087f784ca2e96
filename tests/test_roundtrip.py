"""Round trip through real nbgrader: generate_assignment, submissions, autograde, scores from the gradebook."""
from __future__ import annotations

import nbformat
import pytest

from autograder.course import labs
from autograder.authoring.harness import fill_submission

from conftest import ROOT
from grading_course import make_course, nbgrader_autograde

LABS = labs(ROOT)


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_nbgrader_autograde_gives_full_marks_and_zero(lab, tmp_path):
    """A correct submission gets every autograded point and an empty one gets none."""
    make_course(tmp_path, lab.id)
    for name in lab.notebooks:
        release = tmp_path / "release" / lab.id / f"{name}.ipynb"
        submissions = {"correct": fill_submission(release, ROOT / "source" / lab.id / f"{name}.ipynb"),
                       "empty": nbformat.read(release, as_version=4)}
        for student, nb in submissions.items():
            folder = tmp_path / "submitted" / student / lab.id
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / f"{name}.ipynb")
    run = nbgrader_autograde(tmp_path, lab.id)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        correct = gradebook.find_submission(lab.id, "correct")
        empty = gradebook.find_submission(lab.id, "empty")
        assert correct.max_code_score > 0
        assert correct.code_score == correct.max_code_score, \
            [(g.name, g.score, g.max_score) for nb in correct.notebooks for g in nb.grades if g.score != g.max_score]
        assert empty.code_score == 0
