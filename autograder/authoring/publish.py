"""``autograder publish DEST``: the student-facing tree, ready to push to the course's public repository.

The instructors' repository holds the reference solutions (assignments/, source/), the mutants
and alternatives, the example class and the tests; students must see none of it. DEST gets:

    README.md        for students: the labs with their "Open in Colab" badges, how to work, hand in
    release/         every lab's student notebooks (the badges and the notebooks' setup cells point here)
    autograder/      the course package (checks, data loaders with the bundled digits, the tools)
    pyproject.toml   so that the setup cell's `pip install <course.toml's package>` builds it

Push DEST to the public repository named in course.toml and tag it with the package's version:
the setup cell of every notebook installs the package from that tag. The labs table with the
badges is generated here too for this repository's README (``make build`` refreshes it).
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from ..course import CourseError, CourseSettings, Lab, labs, repo_root, settings

TABLE_START = "<!-- labs table: written by `autograder build` from course.toml and assignments/*/lab.toml -->"
TABLE_END = "<!-- end of the labs table -->"
PUBLISHED = ("README.md", "pyproject.toml", "autograder", "release")
NOT_PUBLISHED = ("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints")


def labs_table(course: CourseSettings, course_labs: list[Lab]) -> str:
    """The labs as a markdown table: title, one "Open in Colab" badge per notebook, points."""
    rows = ["| lab | notebooks (open in Colab) | points |", "| --- | --- | ---: |"]
    for lab in course_labs:
        badges = "<br>".join(f"{course.badge(lab.id, name)} `{name}`" for name in lab.notebooks)
        rows.append(f"| {lab.title} (`{lab.id}`) | {badges} | {lab.points:g} |")
    return "\n".join(rows)


def with_labs_table(readme: str, table: str) -> str:
    """``readme`` with the text between the table markers replaced by ``table``."""
    if TABLE_START not in readme or TABLE_END not in readme:
        raise CourseError(f"README.md has no labs table markers ({TABLE_START!r} ... {TABLE_END!r})")
    head, rest = readme.split(TABLE_START, 1)
    return f"{head}{TABLE_START}\n{table}\n{TABLE_END}{rest.split(TABLE_END, 1)[1]}"


def update_readme(root: Path) -> bool:
    """Refresh the labs table of the course folder's README (where it has the markers); True when it changed."""
    path = Path(root) / "README.md"
    old = path.read_text() if path.is_file() else ""
    if TABLE_START not in old:
        return False
    new = with_labs_table(old, labs_table(settings(root), labs(root)))
    if new != old:
        path.write_text(new)
    return new != old


def student_readme(course: CourseSettings, course_labs: list[Lab]) -> str:
    """The public repository's README: the labs and what a student does with them."""
    package = course.package
    several = [f"{lab.title.split(' — ')[0]}: {len(lab.notebooks)} files" for lab in course_labs
               if len(lab.notebooks) > 1]
    files = "one `.ipynb` file per notebook" + (f" ({', '.join(several)})" if several else "")
    return f"""# {course.title}

The labs of the course, ready to run in Google Colab (or JupyterLab). Click a notebook's badge to
open it in Colab; you need a Google account, nothing to install.

{TABLE_START}
{labs_table(course, course_labs)}
{TABLE_END}

## How to work on a lab

1. **Open** the notebook with its badge. Colab opens it straight from this repository; *File → Save a
   copy in Drive* keeps your work between sessions (a GPU, where a lab can use one, is under
   *Runtime → Change runtime type*).
2. **Run the first cell** ("Course setup"). It installs the course's helpers where they are missing
   ({package.distribution} {package.version}) and prepares the notebook. If it cannot (no internet), it
   says so in a few lines and what to do.
3. **Fill in** the cells that say `YOUR CODE HERE` / `YOUR ANSWER HERE`, then run the test cell below
   each exercise. A failed check says which quantity is wrong, expected against got. The visible tests
   show one worked example; more tests run when your work is graded.
4. **Check** the whole notebook before handing it in: the cell `autograder.check_notebook()` near the
   end runs it all again, without stopping at a failure, and lists every exercise as passed, failed (with
   the message) or not attempted. `autograder.check("softmax")` checks a single exercise.
5. **Download** it: *File → Download → Download .ipynb* (Colab) or *File → Download* (JupyterLab).
6. **Hand in** {files}, named as the last cell of the notebook says, to {course.submit_where}.

## In JupyterLab or Jupyter on your own machine

Download the notebooks (or clone this repository) and install the helpers once:

```sh
pip install "{package.requirement}"
```

The first cell of every notebook installs exactly this where it is missing.
"""


def _release_is_current(root: Path, course: CourseSettings, course_labs: list[Lab]) -> None:
    """CourseError unless every lab is built and its notebooks carry the course.toml in force."""
    for lab in course_labs:
        for name in lab.notebooks:
            path = root / "release" / lab.id / f"{name}.ipynb"
            if not path.is_file():
                raise CourseError(f"release/{lab.id}/{name}.ipynb is missing: run `make build` first")
            text = json.loads(path.read_text())
            sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in text["cells"]]
            if not any(course.package.requirement in s for s in sources) or \
                    not any(course.colab_url(lab.id, name) in s for s in sources):
                raise CourseError(f"release/{lab.id}/{name}.ipynb does not carry course.toml's package and "
                                  "repository: run `make build` first")


def publish(dest: Path, root: Path | None = None, force: bool = False) -> list[str]:
    """Write the student-facing tree into ``dest`` (its .git, if any, is kept); returns what was written."""
    root = Path(root or repo_root())
    dest = Path(dest)
    course, course_labs = settings(root), labs(root)
    _release_is_current(root, course, course_labs)
    present = [p for p in dest.iterdir() if p.name != ".git"] if dest.is_dir() else []
    if present and not force:
        raise CourseError(f"{dest} is not empty ({', '.join(sorted(p.name for p in present)[:4])}...): "
                          "use --force to replace its content (its .git is kept)")
    for path in present:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns(*NOT_PUBLISHED)
    for lab in course_labs:  # only the labs of the course (no stray folders of release/)
        shutil.copytree(root / "release" / lab.id, dest / "release" / lab.id, ignore=ignore)
    shutil.copytree(root / "autograder", dest / "autograder", ignore=ignore)
    shutil.copy2(root / "pyproject.toml", dest / "pyproject.toml")
    (dest / "README.md").write_text(student_readme(course, course_labs))
    return sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file() and ".git" not in p.parts)


def cmd_publish(args: argparse.Namespace) -> int:
    try:
        written = publish(args.dest, args.root, args.force)
    except CourseError as error:
        print(f"cannot publish: {error}")
        return 1
    course = settings(args.root)
    notebooks = sum(1 for name in written if name.endswith(".ipynb"))
    print(f"wrote {len(written)} files into {args.dest}: README.md, pyproject.toml, autograder/, "
          f"release/ ({notebooks} notebooks)")
    print(f"next: push it to github.com/{course.owner}/{course.name} ({course.ref}), with the tag or commit "
          f"the notebooks install from: {course.package.requirement}")
    return 0


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("dest", type=Path, help="folder to write (e.g. a clone of the public repository)")
    p.add_argument("--force", action="store_true", help="replace DEST's content (its .git is kept)")
    p.set_defaults(func=cmd_publish)
