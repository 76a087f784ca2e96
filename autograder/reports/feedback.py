"""``autograder feedback LAB``: one HTML page per student, ``feedback/<student>/<lab>/index.html``.

Built from the student's own submitted notebook, the *released* notebook and the outcome
of grading (outcome.json), never from the autograded notebook: that one holds the hidden
tests nbgrader restored, and nbgrader's own feedback shows them. A test cell appears as the
one-line docstring saying what it checks, its score and, when it failed, the check's message.
Every piece of text is escaped; the page is plain HTML with inline CSS.
"""
from __future__ import annotations

import argparse
import ast
import html
import json
from pathlib import Path

import nbformat

from ..cells import grade_id, is_answer_cell, is_test_cell
from ..cells import points as cell_points
from ..course import CoursePaths
from ..grading.outcomes import Outcome, load_outcomes
from .results import exercise_scores, format_points, lab_exercises, lab_notebooks, release_notebook, status_label

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; } h3 { margin-top: 1.5rem; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; border-radius: 4px; }
table { border-collapse: collapse; } td, th { padding: .25rem .75rem; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; } .pass { color: #1a7f37; } .fail { color: #cf222e; } .note { color: #666; }
.test { margin: .5rem 0; padding: .5rem .75rem; border-left: 4px solid #ccc; }
.test.pass { border-color: #1a7f37; } .test.fail { border-color: #cf222e; }
.status { padding: .5rem .75rem; background: #fff8c5; border-radius: 4px; }
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def test_description(source: str) -> str:
    """The first line of a test cell's docstring (what it checks), from the released cell."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return ""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].value.value.strip().splitlines()[0]
    return ""


def submitted_cells(path: Path) -> dict[str, nbformat.NotebookNode] | None:
    """The student's cells by grade id, or None when the file is not a readable notebook."""
    try:
        nb = nbformat.reads(path.read_text(errors="replace"), as_version=4)
    except (OSError, ValueError, KeyError, AttributeError, json.JSONDecodeError):
        return None
    return {grade_id(c): c for c in nb.get("cells", []) if grade_id(c)}


def _heading(markdown: str) -> str | None:
    for line in markdown.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return None


def render_notebook(root: Path, outcome: Outcome, notebook: str) -> list[str]:
    release = release_notebook(root, outcome.lab, notebook)
    mine = submitted_cells(CoursePaths(Path(root)).submitted(outcome.student, outcome.lab) / f"{notebook}.ipynb")
    graded = {c.grade_id: c for c in outcome.cells if c.notebook == notebook}
    parts = [f"<h2>{esc(notebook)}</h2>"]
    if mine is None:
        parts.append('<p class="note">Your file could not be read as a notebook, so none of it is shown.</p>')
    elif outcome.status == "failed":  # e.g. another lab's notebook: listing every "missing" cell helps nobody
        parts.append('<p class="note">This notebook could not be graded (see the status above), '
                     'so your answers are not shown.</p>')
        mine = None
    for cell in release.cells:
        gid = grade_id(cell)
        if cell.cell_type == "markdown" and not gid:
            heading = _heading(cell.source)
            if heading:
                parts.append(f"<h3>{esc(heading)}</h3>")
        elif is_answer_cell(cell):
            parts.append(_render_answer(cell, gid, mine))
        elif is_test_cell(cell):
            parts.append(_render_test(cell, graded.get(gid), outcome.status == "failed"))
    return parts


def _render_answer(cell: nbformat.NotebookNode, gid: str, mine: dict | None) -> str:
    if mine is None:
        return ""
    what = "Your answer" if cell.cell_type == "code" else "Your written answer (graded by hand)"
    if gid not in mine:
        return f'<p class="note">{what} <code>{esc(gid)}</code>: this cell is missing from your notebook.</p>'
    return f"<p>{what} <code>{esc(gid)}</code>:</p>\n<pre>{esc(mine[gid].source)}</pre>"


def _render_test(cell: nbformat.NotebookNode, result, failed_submission: bool) -> str:
    gid = grade_id(cell)
    points = cell_points(cell)
    description = esc(test_description(cell.source))
    if failed_submission or result is None:
        return (f'<div class="test"><b>{esc(gid)}</b> — {description}<br>'
                f'<span class="note">not graded</span> (out of {points:g})</div>')
    ok = result.score >= result.max_score
    verdict = "passed" if ok else "failed"
    message = "" if ok or not result.message else f"<pre>{esc(result.message)}</pre>"
    return (f'<div class="test {"pass" if ok else "fail"}"><b>{esc(gid)}</b> — {description}<br>'
            f'{verdict}: {result.score:g} / {result.max_score:g}{message}</div>')


def render(root: Path, outcome: Outcome, title: str) -> str:
    exercises = lab_exercises(root, outcome.lab)
    scores = exercise_scores(outcome, exercises)
    rows = "\n".join(f'<tr><td>{esc(e.name)}</td><td class="num">{esc(format_points(scores[e.name]) or "—")}'
                     f'</td><td class="num">{e.max_score:g}</td></tr>' for e in exercises)
    max_total = sum(e.max_score for e in exercises)
    total = "not graded" if outcome.status == "failed" else f"{outcome.score:g} / {max_total:g}"
    status = [f'<p class="status">Status: <b>{esc(status_label(outcome))}</b></p>'] \
        if outcome.status != "graded" else []
    events = [f"<li>{esc(e)}</li>" for e in outcome.events]
    events += [f"<li>the test cell <code>{esc(t)}</code> had been changed in your notebook; the original "
               f"was put back before grading</li>" for t in outcome.tampered]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)} — {esc(outcome.student)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>", f"<p>Feedback for <b>{esc(outcome.student)}</b>. "
        f"Autograded score: <b>{esc(total)}</b> (written answers are graded by hand).</p>",
        *status,
        *(["<p>What happened while grading:</p>", "<ul>", *events, "</ul>"] if events else []),
        "<table><tr><th>exercise</th><th>score</th><th>out of</th></tr>", rows, "</table>",
    ]
    for notebook in lab_notebooks(root, outcome.lab):
        parts += render_notebook(root, outcome, notebook)
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def lab_title(root: Path, lab: str) -> str:
    from ..course import CourseError, load_lab

    try:
        return load_lab(lab, Path(root)).title
    except CourseError:
        return lab


def write_feedback(lab: str, root: Path) -> list[Path]:
    """Write every graded student's page; returns the paths written."""
    title = lab_title(root, lab)
    written = []
    for outcome in load_outcomes(root, lab):
        path = Path(root) / "feedback" / outcome.student / lab / "index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(root, outcome, title))
        written.append(path)
    return written


def cmd_feedback(args: argparse.Namespace) -> int:
    from ..course import repo_root

    root = Path(args.root or repo_root())
    written = write_feedback(args.lab, root)
    for path in written:
        print(path.relative_to(root))
    print(f"{len(written)} feedback pages for {args.lab}" if written else f"no graded submissions of {args.lab}")
    return 0


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("lab", help="lab id")
    p.set_defaults(func=cmd_feedback)
