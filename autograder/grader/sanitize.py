"""Putting a submitted notebook back in shape before it runs, with nbgrader's own preprocessors.

Workers never open the gradebook: the parent reads the assignment's cells once into an
``AssignmentSnapshot`` (plain data, so it travels to Dask workers on other machines) and
nbgrader's ``OverwriteCells`` / ``OverwriteKernelspec`` read the snapshot instead.

On top of nbgrader, this module
- tells a notebook of another lab, or no notebook at all, from a poor answer;
- reports tampering only when the student really changed a locked cell: the submitted text
  is compared with the *released* text (nbgrader's checksum compares with the source, so
  it fires on every cell with hidden tests);
- puts back every deleted locked cell (test cells and given code such as the imports),
  wherever the student's cells are, instead of nbgrader's ``add_missing_cells`` which
  assumes the neighbouring cells are still there.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearOutput, DeduplicateIds,
                                    OverwriteCells, OverwriteKernelspec)

from ..cells import grade_id, nbgrader, nbgrader_metadata

COMMON_CELLS = {"course_setup"}  # the locked setup cell every lab starts with: says nothing about the lab


class SubmissionError(ValueError):
    """The file cannot be graded as this notebook (invalid JSON, empty, another lab...)."""


@dataclass(frozen=True)
class SourceCell:
    """A cell nbgrader keeps in the gradebook: shaped like ``nbgrader.api.SourceCell``."""

    name: str
    cell_type: str
    source: str
    checksum: str | None
    locked: bool
    max_score: float | None = None  # set for grade cells
    solution: bool = False

    @property
    def released_source(self) -> str:
        """The text students received: the source with its hidden tests cut out."""
        cell = NotebookNode(cell_type=self.cell_type, source=self.source, metadata={})
        ClearHiddenTests()._remove_hidden_test_region(cell)
        return cell.source


@dataclass
class NotebookSnapshot:
    """The part of the gradebook nbgrader's preprocessors read, for one notebook."""

    name: str
    kernelspec: str | None
    cells: list[SourceCell] = field(default_factory=list)  # in notebook order

    @property
    def source_cells(self) -> list[SourceCell]:
        return self.cells

    @property
    def grade_cells(self) -> list[SourceCell]:
        return [c for c in self.cells if c.max_score is not None]

    @property
    def solution_cells(self) -> list[SourceCell]:
        return [c for c in self.cells if c.solution]

    @property
    def task_cells(self) -> list[SourceCell]:
        return []

    def cell(self, name: str) -> SourceCell:
        for cell in self.cells:
            if cell.name == name:
                return cell
        raise MissingEntry()


@dataclass
class AssignmentSnapshot:
    lab: str
    notebooks: dict[str, NotebookSnapshot]

    # The slice of nbgrader.api.Gradebook that OverwriteCells calls.
    def find_notebook(self, notebook: str, assignment: str) -> NotebookSnapshot:
        if notebook not in self.notebooks:
            raise MissingEntry()
        return self.notebooks[notebook]

    def find_source_cell(self, name: str, notebook: str, assignment: str) -> SourceCell:
        return self.find_notebook(notebook, assignment).cell(name)

    def find_graded_cell(self, name: str, notebook: str, assignment: str) -> SourceCell:
        cell = self.find_source_cell(name, notebook, assignment)
        if cell.max_score is None:
            raise MissingEntry()
        return cell

    def __enter__(self) -> "AssignmentSnapshot":
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def read_snapshot(gradebook: Any, lab: str) -> AssignmentSnapshot:
    """The assignment's notebooks and cells from an open ``nbgrader.api.Gradebook``."""
    assignment = gradebook.find_assignment(lab)
    notebooks = {}
    for notebook in assignment.notebooks:
        points = {c.name: float(c.max_score) for c in notebook.grade_cells}
        solutions = {c.name for c in notebook.solution_cells}
        cells = [SourceCell(c.name, c.cell_type, c.source, c.checksum, bool(c.locked),
                            points.get(c.name), c.name in solutions)
                 for c in notebook.source_cells]  # in notebook order (the gradebook's row order)
        notebooks[notebook.name] = NotebookSnapshot(notebook.name, notebook.kernelspec, cells)
    return AssignmentSnapshot(lab, notebooks)


# ----------------------------------------------------------------------------- nbgrader, on the snapshot


class SnapshotOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, reading the snapshot instead of opening the gradebook."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.gradebook = resources["snapshot"]
        return super(OverwriteCells, self).preprocess(nb, resources)  # nbgrader's per-cell checks


class SnapshotOverwriteKernelspec(OverwriteKernelspec):
    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        notebook = resources["snapshot"].find_notebook(resources["nbgrader"]["notebook"], "")
        if notebook.kernelspec:
            nb.metadata["kernelspec"] = json.loads(notebook.kernelspec)
        return nb, resources


# ----------------------------------------------------------------------------- our checks


def read_submission(data: bytes) -> NotebookNode:
    """The submitted file as a notebook, or SubmissionError saying why it is not one."""
    import warnings

    if not data.strip():
        raise SubmissionError("empty file")
    try:
        with warnings.catch_warnings():  # nbformat repairs duplicate/missing cell ids, loudly
            warnings.simplefilter("ignore")
            return nbformat.reads(data.decode("utf-8", errors="replace"), as_version=4)
    except nbformat.reader.NotJSONError:
        try:
            json.loads(data)
        except ValueError as error:
            raise SubmissionError(f"invalid JSON: {error}") from None
        raise SubmissionError("invalid JSON") from None
    except Exception as error:  # nbformat's validation, a notebook of an unknown version...
        raise SubmissionError(f"not a readable notebook: {type(error).__name__}: {error}") from None


def check_belongs(nb: NotebookNode, snapshot: NotebookSnapshot, lab: str) -> None:
    """Refuse a notebook that holds none of this notebook's answer or test cells."""
    expected = {c.name for c in snapshot.cells if c.solution or c.max_score is not None} - COMMON_CELLS
    found = {grade_id(c) for c in nb.cells if grade_id(c)} - COMMON_CELLS
    if expected and not expected & found:
        if found:
            others = ", ".join(sorted(found)[:4])
            raise SubmissionError(f"a notebook of another lab: none of {lab}/{snapshot.name}'s "
                                  f"{len(expected)} exercise cells are in it (it has {others}...)")
        raise SubmissionError(f"not a notebook of {lab}: it has no nbgrader cells "
                              "(was the code pasted into a new notebook?)")


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def find_tampering(nb: NotebookNode, snapshot: NotebookSnapshot) -> tuple[list[str], list[str]]:
    """Locked cells whose text or points the student changed: (grade ids, events)."""
    tampered, events = [], []
    for cell in nb.cells:
        name = grade_id(cell)
        try:
            source = snapshot.cell(name) if name else None
        except MissingEntry:
            continue
        if source is None or not source.locked:
            continue
        if _normalise(cell.source) != _normalise(source.released_source):
            tampered.append(name)
            events.append(f"tampering: {name} was edited; restored from the source")
        points = nbgrader(cell).get("points")
        if source.max_score is not None and points is not None and _as_float(points) != source.max_score:
            tampered.append(name)
            events.append(f"tampering: {name} was set to {points} points; restored to {source.max_score:g}")
    return list(dict.fromkeys(tampered)), events


def _as_float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def restore_missing_cells(nb: NotebookNode, snapshot: NotebookSnapshot) -> list[str]:
    """Put back deleted locked and grade cells after the nearest earlier cell still present."""
    restored = []
    for position, source in enumerate(snapshot.cells):
        present = {grade_id(c): i for i, c in enumerate(nb.cells) if grade_id(c)}
        if source.name in present or not (source.locked or source.max_score is not None):
            continue  # a deleted answer cell stays deleted: there is no answer to restore
        earlier = [present[c.name] for c in snapshot.cells[:position] if c.name in present]
        nb.cells.insert(max(earlier) + 1 if earlier else 0, _restored_cell(source))
        restored.append(source.name)
    return restored


def _restored_cell(source: SourceCell) -> NotebookNode:
    if source.max_score is not None:  # nbgrader's own shape for a re-added grade cell
        cell = OverwriteCells().missing_cell_transform(source, source.max_score, is_solution=source.solution)
    else:
        cell = NotebookNode(cell_type=source.cell_type, source=source.source, metadata={
            "deletable": False, "editable": False,
            "nbgrader": nbgrader_metadata("readonly", source.name, checksum=source.checksum)})
        if source.cell_type == "code":
            cell.update(outputs=[], execution_count=None)
    cell.id = f"restored-{source.name}"[:64]
    return cell


def sanitize(nb: NotebookNode, resources: dict, config: Any) -> tuple[NotebookNode, list[str], list[str]]:
    """nbgrader's sanitize preprocessors, with our checks between them: (notebook, tampered, events)."""
    snapshot = resources["snapshot"].find_notebook(resources["nbgrader"]["notebook"], "")
    nb, resources = ClearOutput(config=config)(nb, resources)
    nb, resources = DeduplicateIds(config=config)(nb, resources)
    for cell in nb.cells:  # DeduplicateIds leaves `nbgrader: {}` on the copies, which nbgrader then rejects
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
    tampered, events = find_tampering(nb, snapshot)
    for step in (SnapshotOverwriteKernelspec, SnapshotOverwriteCells):
        nb, resources = step(config=config)(nb, resources)
    events += [f"restored deleted cell {name}" for name in restore_missing_cells(nb, snapshot)]
    nb, resources = CheckCellMetadata(config=config)(nb, resources)
    return nb, tampered, events
