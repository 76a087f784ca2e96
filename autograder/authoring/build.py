"""assignments/<lab>/<notebook>.py (jupytext percent) -> source/ (nbgrader) -> release/ (students).

A cell's role is declared once in its header and becomes nbgrader's cell metadata
(autograder/cells.py).

The build prepends a locked setup cell that installs the course helpers where they are
missing (Colab) and keeps warnings out of stderr. Output is deterministic: cell ids come
from the declared ids or the cell's position, and no outputs or jupytext metadata are kept.
"""
from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path
from typing import Any

import nbformat

from ..cells import CellError, declared_role, nbgrader_metadata
from ..course import Lab, course_settings, db_url_or_default, labs, load_lab, nbgrader_config, repo_root

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
SETUP_ID = "course_setup"
SETUP_TEMPLATE = '''\
# Course setup: run this cell first. It installs the course helpers where they are missing
# (Google Colab, a fresh environment) and keeps library warnings out of the graded output.
import importlib, importlib.util, subprocess, sys
if importlib.util.find_spec("autograder") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", {package!r}], check=True)
    importlib.invalidate_caches()
import autograder
autograder.setup_notebook()'''


class BuildError(CellError):
    """An assignment file declares something the build cannot turn into a notebook."""


def read_assignment(path: Path) -> nbformat.NotebookNode:
    """The jupytext percent file as a clean nbformat v4.5 notebook with nbgrader metadata."""
    import jupytext

    text = jupytext.read(path)
    package = course_settings(path.parents[2]).get("package", "nn-course-autograder")
    cells = [_new_cell("code", SETUP_TEMPLATE.format(package=package),
                       {"nbgrader": nbgrader_metadata("readonly", SETUP_ID, None)}, SETUP_ID)]
    seen: set[str] = {SETUP_ID}
    for index, cell in enumerate(text.cells):
        role = declared_role(cell)
        declared = cell.metadata.get("id")
        if role and not declared:
            raise BuildError(f"{path.name}: a {role} cell needs an id (cell {index}: {cell.source[:60]!r})")
        if declared in seen:
            raise BuildError(f"{path.name}: duplicate id {declared!r}")
        if role == "manual" and cell.cell_type == "code":
            raise BuildError(f"{path.name}: manual cell {declared!r} must be markdown")
        cell_id = declared or f"cell-{index:03d}"
        seen.add(cell_id)
        metadata = {"nbgrader": nbgrader_metadata(role, declared, cell.metadata.get("points"))} if role else {}
        cells.append(_new_cell(cell.cell_type, cell.source, metadata, cell_id))
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    nb.nbformat_minor = 5
    return nb


def _new_cell(kind: str, source: str, metadata: dict[str, Any], cell_id: str) -> nbformat.NotebookNode:
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source=source.strip("\n"), metadata=metadata)
    cell.id = cell_id
    return cell


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb) + "\n")


def build_source(lab: Lab, out_root: Path, only: list[str] | None = None) -> list[Path]:
    """Write source/<lab>/<notebook>.ipynb (and the lab's assets) under ``out_root``.

    ``only`` rebuilds just those notebooks and keeps the lab's other source notebooks.
    """
    dest = out_root / "source" / lab.id
    if dest.exists() and not only:
        shutil.rmtree(dest)
    written = []
    for name in only or lab.notebooks:
        nb = read_assignment(lab.notebook_file(name))
        write_notebook(nb, dest / f"{name}.ipynb")
        written.append(dest / f"{name}.ipynb")
    assets = lab.folder / "assets"
    if assets.is_dir() and not (dest / "assets").exists():
        shutil.copytree(assets, dest / "assets")
    return written


def generate_release(lab_id: str, out_root: Path, db_url: str | None = None) -> None:
    """nbgrader generate_assignment, in process, with the course's configuration."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    config = nbgrader_config(out_root, db_url_or_default(db_url, out_root))
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = lab_id
    app = GenerateAssignment(coursedir=coursedir, config=config)
    app.force = True
    app.create_assignment = True
    app.log.setLevel(logging.WARNING)
    app.start()
    for path in (out_root / "release" / lab_id).glob("*.ipynb"):
        _normalise_release(path)


def _normalise_release(path: Path) -> None:
    """Same bytes on every build: nbgrader's writer leaves no trailing newline."""
    nb = nbformat.read(path, as_version=4)
    write_notebook(nb, path)


def build(lab_ids: list[str] | None = None, root: Path | None = None, out_root: Path | None = None,
          db_url: str | None = None, only: list[str] | None = None) -> list[str]:
    """Build the given labs (all present ones by default); returns the lab ids built.

    ``only`` names notebooks to rebuild (while a lab is being written); the release is
    regenerated from whatever source notebooks the lab has.
    """
    root = Path(root or repo_root())
    out_root = Path(out_root or root)
    chosen = [load_lab(lab, root) for lab in lab_ids] if lab_ids else labs(root)
    for lab in chosen:
        build_source(lab, out_root, [n for n in lab.notebooks if n in only] if only else None)
        release = out_root / "release" / lab.id
        if release.exists():
            shutil.rmtree(release)
        generate_release(lab.id, out_root, db_url)
    return [lab.id for lab in chosen]


def cmd_build(args: argparse.Namespace) -> int:
    for lab in build(args.labs or None, out_root=args.out, only=args.notebooks):
        print(f"built source/{lab} and release/{lab}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    """`build` for a course folder: every lab released into its gradebook, one failing lab not stopping the rest."""
    root = Path(args.root or repo_root())
    failed = []
    for lab in args.labs or [lab.id for lab in labs(root)]:
        try:
            build([lab], root=root, out_root=root, db_url=args.db)
        except (CellError, OSError, ValueError) as error:
            failed.append(lab)
            print(f"could not release {lab}: {type(error).__name__}: {error}")
            continue
        notebooks = sorted(p.name for p in (root / "release" / lab).glob("*.ipynb"))
        print(f"released {lab}: release/{lab}/ ({', '.join(notebooks)}), recorded in the gradebook")
    return 1 if failed else 0


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("labs", nargs="*", help="lab ids (default: every lab in assignments/)")
    if command == "build":
        p.add_argument("--out", type=Path, default=None, help="write source/ and release/ here instead")
        p.add_argument("--notebooks", nargs="+", default=None,
                       help="rebuild only these notebooks of the lab (while writing a lab of several notebooks)")
        p.set_defaults(func=cmd_build)
    else:
        p.set_defaults(func=cmd_release)
