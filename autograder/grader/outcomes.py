"""What happened to each submission when it was graded: the contract between `grade` and the reports.

`autograder grade` writes one ``autograded/<student>/<lab>/outcome.json`` per submission;
feedback, export and report read them. A submission that could not be graded (invalid
JSON, an empty file, another lab's notebook, a kernel that died before anything ran) has
status "failed" and a reason, so exports can tell it from an honest zero. When the grading
itself failed (a crashed worker, a lost Dask task, an error of ours), ``grader_failed`` says so
and the next ``grade`` run grades that submission again.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..course import CoursePaths

OUTCOME_FILE = "outcome.json"
STATUSES = ("graded", "partial", "failed")  # partial: graded, but some cells timed out / were killed


@dataclass
class CellOutcome:
    grade_id: str
    notebook: str
    score: float
    max_score: float
    message: str = ""  # the failed check's message (never hidden test source)


@dataclass
class Outcome:
    student: str
    lab: str
    status: str
    reason: str = ""
    events: list[str] = field(default_factory=list)  # e.g. "timeout in test_x after 60 s", "restored deleted cell test_y"
    tampered: list[str] = field(default_factory=list)  # grade ids of test cells the student really changed
    cells: list[CellOutcome] = field(default_factory=list)
    seconds: float = 0.0
    grader_failed: bool = False  # the grading failed, not (as far as we know) the submission: a rerun grades it again

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells)

    def save(self, root: Path) -> Path:
        path = outcome_path(root, self.student, self.lab)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n")
        return path


def outcome_path(root: Path, student: str, lab: str) -> Path:
    return CoursePaths(Path(root)).autograded(student, lab) / OUTCOME_FILE


def load_outcome(path: Path) -> Outcome:
    data = json.loads(Path(path).read_text())
    data["cells"] = [CellOutcome(**c) for c in data.get("cells", [])]
    return Outcome(**data)


def load_outcomes(root: Path, lab: str) -> list[Outcome]:
    """Every recorded outcome of a lab, sorted by student."""
    return [load_outcome(p) for p in sorted(CoursePaths(Path(root)).autograded_root.glob(f"*/{lab}/{OUTCOME_FILE}"))]
