"""assignments/<lab>/<notebook>.py (jupytext percent) -> source/ (nbgrader) -> release/ (students).

A cell's role is declared once in its header and becomes nbgrader's cell metadata
(autograder/cells.py).

Around a lab's own cells the build puts, from course.toml: an "Open in Colab" badge and the
locked setup cell (it installs the course package where it is missing, then keeps warnings
out of stderr) first; the whole-notebook check and how to hand in last. Output is
deterministic: cell ids come from the declared ids or the cell's position, and no outputs or
jupytext metadata are kept.
"""
from __future__ import annotations

import argparse
import logging
import shutil
import string
from pathlib import Path
from typing import Any

import nbformat

from ..cells import CellError, declared_role, nbgrader_metadata
from ..course import (CourseSettings, Lab, StudentPackage, db_url_or_default, labs, load_lab, nbgrader_config,
                      repo_root, settings)

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
SETUP_ID = "course_setup"
BADGE_ID = "open_in_colab"
CHECK_ID = "check_notebook"
HAND_IN_ID = "hand_in"
# The first code cell of every notebook. It cannot use the course package (it may be missing), so it
# stands alone: it installs THIS course's distribution at THIS version when the runtime lacks it (a
# module named `autograder` proves nothing: PyPI has a project of that name), never lets pip touch the
# runtime's torch, and on failure shows one message, then one line in each later cell that needs the
# package, instead of pip's log, a traceback and a NameError in every test cell.
SETUP_TEMPLATE = string.Template(r"""# @title Course setup: run this cell first { display-mode: "form" }
# It installs the course package where it is missing (Google Colab, a fresh environment) and keeps
# library warnings out of the graded output. Nothing to change here.
def _course_setup(requirement, distribution, version):
    import importlib, importlib.metadata as metadata, os, re, subprocess, sys

    def version_of(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    class CourseSetupFailed(Exception):
        def _render_traceback_(self):  # IPython shows the message alone, without a traceback
            return str(self).splitlines()

    def missing(shell, etype, value, tb, tb_offset=None):  # later cells: one line each, no traceback
        value._render_traceback_ = lambda: [f"{etype.__name__}: {value} (the course package is missing: "
                                            "see the message of the first cell)"]
        shell.showtraceback((etype, value, tb))

    if version_of(distribution) != version and not os.environ.get("NBGRADER_EXECUTION"):
        loaded = "autograder" in sys.modules
        print(f"Installing the course package ({distribution} {version})...", end="", flush=True)
        keep = [f"{name}=={version_of(name)}" for name in ("torch", "torchvision") if version_of(name)]
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-color", requirement, *keep],
                             capture_output=True, text=True)
        importlib.invalidate_caches()
        installed = version_of(distribution)
        print(" done." if installed == version else " failed.")
        if installed != version:
            log = re.sub(r"\x1b\[[0-9;]*m", "", pip.stdout + pip.stderr)
            offline = any(sign in log for sign in ("resolve host", "connect to", "Name or service", "unreachable",
                                                   "name resolution", "refused", "timed out", "Failed to establish"))
            said = [line.strip() for line in log.splitlines() if line.strip()]
            said = next((line for line in said if line.startswith(("fatal:", "ERROR:"))), said[-1] if said else "")
            cause = ("no internet connection" if offline else "a wrong package address in this cell (tell your "
                     "instructor)" if pip.returncode else f"pip installed version {installed}")
            try:
                get_ipython().set_custom_exc((ImportError, NameError), missing)
            except NameError:  # not in IPython
                pass
            raise CourseSetupFailed(
                f"Course setup failed: could not install the course package ({distribution} {version}).\n"
                f"Most likely cause: {cause}. pip said: {said[:120]}\n"
                "What to do: check that you are online, restart (Colab: Runtime → Restart session; Jupyter: "
                "Kernel → Restart)\nand run this cell again. Or install it yourself in a new cell: "
                f"!pip install \"{requirement}\"")
        if loaded:
            raise CourseSetupFailed("The course package was updated: restart (Colab: Runtime → Restart session; "
                                    "Jupyter: Kernel → Restart),\nthen run this cell again.")
    import autograder
    autograder.setup_notebook()


_course_setup(requirement="$requirement",
              distribution="$distribution", version="$version")""")
CHECK_CELL = """\
# Before you hand in: run the whole notebook again (like Run all, without stopping at a failure)
# and list, exercise by exercise, which visible checks pass.
import autograder
autograder.check_notebook()"""


class BuildError(CellError):
    """An assignment file declares something the build cannot turn into a notebook."""


def read_assignment(path: Path, lab: Lab | None = None, course: CourseSettings | None = None) -> nbformat.NotebookNode:
    """The jupytext percent file as a clean nbformat v4.5 notebook with nbgrader metadata.

    Around the lab's own cells: the "Open in Colab" badge and the setup cell first, the
    whole-notebook check and how to hand in last (from course.toml).
    """
    import jupytext

    lab = lab or load_lab(path.parent.name, path.parents[2])
    course = course or settings(path.parents[2])
    text = jupytext.read(path)
    cells = [_new_cell("markdown", course.badge(lab.id, path.stem), {}, BADGE_ID),
             _new_cell("code", setup_source(course.package),
                       {"nbgrader": nbgrader_metadata("readonly", SETUP_ID, None)}, SETUP_ID)]
    seen: set[str] = {BADGE_ID, SETUP_ID, CHECK_ID, HAND_IN_ID}
    for index, cell in enumerate(text.cells):
        role = declared_role(cell)
        declared = cell.metadata.get("id")
        if role and not declared:
            raise BuildError(f"{path.name}: a {role} cell needs an id (cell {index}: {cell.source[:60]!r})")
        if declared in seen:
            raise BuildError(f"{path.name}: duplicate id {declared!r}" +
                             (" (the build adds a cell of that id)" if declared in (BADGE_ID, CHECK_ID, HAND_IN_ID) else ""))
        if role == "manual" and cell.cell_type == "code":
            raise BuildError(f"{path.name}: manual cell {declared!r} must be markdown")
        cell_id = declared or f"cell-{index:03d}"
        seen.add(cell_id)
        metadata = {"nbgrader": nbgrader_metadata(role, declared, cell.metadata.get("points"))} if role else {}
        cells.append(_new_cell(cell.cell_type, cell.source, metadata, cell_id))
    cells.append(_new_cell("code", CHECK_CELL, {}, CHECK_ID))
    cells.append(_new_cell("markdown", hand_in_text(lab, path.stem, course), {}, HAND_IN_ID))
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    nb.nbformat_minor = 5
    return nb


def setup_source(package: StudentPackage) -> str:
    """The setup cell of every notebook, installing ``package`` where it is missing."""
    for value in (package.requirement, package.distribution, package.version):
        if '"' in value or "\\" in value:
            raise BuildError(f"course.toml: {value!r} cannot go into the setup cell (quotes or backslashes)")
    return SETUP_TEMPLATE.substitute(requirement=package.requirement, distribution=package.distribution,
                                     version=package.version)


def hand_in_text(lab: Lab, notebook: str, course: CourseSettings) -> str:
    """The last cell of a notebook: check, download, hand in (every file of a lab of several notebooks)."""
    files = [f"`{course.hand_in_file(lab.id, name)}`" for name in lab.notebooks]
    if len(files) == 1:
        what = f"Upload {files[0]}"
    else:
        listed = ", ".join(files[:-1]) + f" and {files[-1]}"
        count = {2: "two", 3: "three", 4: "four"}.get(len(files), str(len(files)))
        what = f"This lab has {count} notebooks: upload all {count} files, {listed},"
    return "\n".join([
        "## Handing in",
        "",
        "1. Run the cell above: `autograder.check_notebook()` runs the whole notebook again and lists, for",
        "   every exercise, whether its visible checks pass (more tests run when your work is graded).",
        "2. Save, then download the notebook: **File → Download → Download .ipynb** in Colab,",
        "   **File → Download** in JupyterLab.",
        f"3. {what} to {course.submit_where}.",
    ])


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
        nb = read_assignment(lab.notebook_file(name), lab)
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
    if args.out is None:
        from .publish import update_readme

        if update_readme(repo_root()):
            print("updated the labs table of README.md")
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
