"""nbgrader's autograde, step by step: the preprocessors in the order nbgrader's own ``Autograde``
converter runs them (nbgrader/converters/autograde.py), and where each runs in ``autograder grade``.

nbgrader runs two passes over each submitted notebook:

1. *sanitize*, to put the notebook back in the shape it was released in;
2. *autograde*, to execute it and record the scores.

``autograder grade`` runs the same steps, in the same order, but splits them between the worker
that grades a submission (no gradebook, no file system) and the one parent process that writes
the gradebook. Where it uses a step of its own, it is a subclass of nbgrader's that reads a
snapshot of the gradebook or survives what a student's code does; its own checks run between
steps (see ``sanitize.sanitize``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, Execute,
                                    IgnorePattern, LimitOutput, OverwriteCells, OverwriteKernelspec,
                                    SaveAutoGrades)

# Pass 1, in the worker (sanitize.sanitize runs it, with our checks between the steps).
NBGRADER_SANITIZE = (
    ClearOutput,          # drop the outputs the student left in the file
    DeduplicateIds,       # a cell copied and pasted keeps its grade id once
    OverwriteKernelspec,  # the kernel the lab was released with         (ours: SnapshotOverwriteKernelspec)
    OverwriteCells,       # locked cells and hidden tests back from the gradebook (ours: SnapshotOverwriteCells)
    CheckCellMetadata,    # refuse nbgrader metadata nbgrader cannot read
)

# Pass 2: the first four in the worker (engine.execute_notebook), the last three in the parent
# (engine.GradebookWriter), which alone writes the gradebook.
NBGRADER_AUTOGRADE = (
    Execute,                    # run every cell in a fresh kernel (ours: isolation.IsolatedExecute)
    IgnorePattern,              # drop log lines nbgrader is told to ignore
    ClearMetadataPreprocessor,  # drop execution metadata
    LimitOutput,                # cut very long outputs
    SaveAutoGrades,             # the test cells' scores into the gradebook (parent)
    AssignLatePenalties,        # the late penalty, from the submission's timestamp (parent)
    CheckCellMetadata,          # the metadata is still sound after execution
)
WORKER_AUTOGRADE = NBGRADER_AUTOGRADE[1:4]  # after execution, in the worker
WRITER_AUTOGRADE = NBGRADER_AUTOGRADE[4:6]  # in the parent, with the gradebook open


class LabExecute(Execute):
    """nbgrader's Execute with the timeout of the lab being graded (its lab.toml), for plain `nbgrader autograde`."""

    lab_timeout: int | None = None

    def preprocess(self, nb: Any, resources: Any = None, km: Any = None) -> Any:
        from ..course import lab_timeout

        lab = (resources or {}).get("nbgrader", {}).get("assignment")
        root = self.config.get("CourseDirectory", {}).get("root")
        self.lab_timeout = lab_timeout(lab, Path(root) if root else None) if lab else None
        return super().preprocess(nb, resources, km)

    def _get_timeout(self, cell: Any) -> int | None:
        # nbclient re-reads the configured timeout when execution starts: the lab's is applied per cell.
        return self.lab_timeout or super()._get_timeout(cell)


def nbgrader_autograde_preprocessors() -> list[Any]:
    """nbgrader's autograde pass with LabExecute in place of Execute (for ``c.Autograde``), as import paths."""
    steps = [LabExecute if step is Execute else step for step in NBGRADER_AUTOGRADE]
    return [f"{step.__module__}.{step.__qualname__}" for step in steps]
