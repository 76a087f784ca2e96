"""``autograder collect LAB PATH``: import downloaded submissions into ``submitted/<student>/<lab>/``.

PATH is a folder, a .zip (an LMS's "download all submissions") or one notebook. The student
is read from the file name: LMS exports carry a numeric id (``doe_jane_12345_lab03.ipynb``,
Canvas's ``doejane_12345_67890_lab03.ipynb``, ``12345.ipynb``), and the first stand-alone
number of at least three digits is taken; a ``--mapping`` CSV (``filename,student_id``) settles
names that carry none or the wrong one. Each file lands under the name the release gives its
notebook (for a lab of one notebook the file's own name does not matter).

An earlier submission is never overwritten silently: the newest by timestamp (the file's
mtime, or the zip entry's date) is kept unless --force, and every decision is printed.
``timestamp.txt`` is written as nbgrader's own collect does (nbgrader reads it for lateness).
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from ..course import CourseError, CoursePaths

STUDENT_ID = re.compile(r"(?<![A-Za-z0-9])(\d{3,})(?![A-Za-z0-9])")
TIMESTAMP_FILE = "timestamp.txt"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's exchange format, parsed by nbgrader.utils.parse_utc


@dataclass
class Incoming:
    """One file found in PATH."""

    origin: str  # where it came from, within PATH ("folder/x.ipynb", or "archive.zip:folder/x.ipynb")
    name: str  # the file's own name (mapping files and id patterns look at it)
    timestamp: datetime  # timezone-aware
    read: Callable[[], bytes]


@dataclass
class Action:
    """What collect did with one incoming file."""

    verdict: str  # collected, replaced, forced, unchanged, kept, superseded, unmatched, skipped
    origin: str
    detail: str
    student: str | None = None
    notebook: str | None = None

    def line(self) -> str:
        target = f"{self.student}/{self.notebook}.ipynb" if self.student else "-"
        return f"{self.verdict:<11} {target:<40} {self.origin}: {self.detail}"


# ----------------------------------------------------------------------------- finding files


def _ignored(parts: tuple[str, ...]) -> bool:
    """Hidden files and the resource forks macOS puts in zips are never submissions."""
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def incoming_from_folder(folder: Path) -> list[Incoming]:
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    base = folder.parent if folder.is_file() else folder
    return [Incoming(str(p.relative_to(base)), p.name, datetime.fromtimestamp(p.stat().st_mtime, timezone.utc),
                     p.read_bytes) for p in files if not _ignored(p.relative_to(base).parts)]


def incoming_from_zip(archive: Path) -> list[Incoming]:
    found = []
    with zipfile.ZipFile(archive) as zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            if info.is_dir() or _ignored(Path(info.filename).parts):
                continue
            # zip entries carry a local date and time without a zone
            stamp = datetime(*info.date_time).astimezone(timezone.utc)
            found.append(Incoming(f"{archive.name}:{info.filename}", Path(info.filename).name, stamp,
                                  lambda name=info.filename: _read_zip_entry(archive, name)))
    return found


def _read_zip_entry(archive: Path, name: str) -> bytes:
    with zipfile.ZipFile(archive) as zf:
        return zf.read(name)


def find_incoming(path: Path) -> list[Incoming]:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if path.is_file() and zipfile.is_zipfile(path) and path.suffix.lower() != ".ipynb":
        return incoming_from_zip(path)
    return incoming_from_folder(path)


# ----------------------------------------------------------------------------- matching


def read_mapping(path: Path) -> dict[str, str]:
    """A CSV of ``filename,student_id`` rows (a header row is optional)."""
    mapping = {}
    with open(path, newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 2 or not row[0].strip() or row[0].strip().lower() == "filename":
                continue
            mapping[row[0].strip()] = row[1].strip()
    return mapping


def student_from_name(name: str) -> str | None:
    """The first stand-alone number of 3+ digits in the file name (LMS ids), else None."""
    match = STUDENT_ID.search(Path(name).stem)
    return match.group(1) if match else None


def notebook_from_name(name: str, notebooks: list[str]) -> str | None:
    """The lab notebook a file is: the only one, else the longest notebook name inside the file name."""
    if len(notebooks) == 1:
        return notebooks[0]
    inside = [n for n in notebooks if n.lower() in Path(name).stem.lower()]
    return max(inside, key=len) if inside else None


def match(item: Incoming, notebooks: list[str], mapping: dict[str, str]) -> Action:
    """Who submitted ``item`` and which notebook it is (verdict "unmatched" when unknown)."""
    if item.name.startswith("~") or not item.name.lower().endswith(".ipynb"):
        return Action("skipped", item.origin, "not a notebook (.ipynb)")
    student = mapping.get(item.origin.split(":", 1)[-1]) or mapping.get(item.name) \
        or student_from_name(item.name)
    if not student:
        return Action("unmatched", item.origin, "no student id in the file name: add it to a --mapping file")
    notebook = notebook_from_name(item.name, notebooks)
    if notebook is None:
        return Action("unmatched", item.origin, f"which notebook of the lab? name it after one of {notebooks}",
                      student)
    return Action("collected", item.origin, "", student, notebook)


# ----------------------------------------------------------------------------- writing


def lab_notebook_names(root: Path, lab: str) -> list[str]:
    from ..course import load_lab
    from ..reports.results import lab_notebooks

    return lab_notebooks(root, lab) or list(load_lab(lab, root).notebooks)


def _when(stamp: datetime) -> str:
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def existing_timestamp(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)


def store(item: Incoming, data: bytes, dest: Path) -> None:
    """Write the notebook with its submission time as mtime, and the folder's timestamp.txt."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    stamp = item.timestamp.timestamp()
    os.utime(dest, (stamp, stamp))
    newest = max(existing_timestamp(p) for p in dest.parent.glob("*.ipynb"))
    (dest.parent / TIMESTAMP_FILE).write_text(newest.strftime(TIMESTAMP_FORMAT) + "\n")


def decide(item: Incoming, data: bytes, dest: Path, force: bool) -> tuple[str, str]:
    """(verdict, detail) for placing ``item`` at ``dest`` given what is already there."""
    if not dest.exists():
        return "collected", f"submitted {_when(item.timestamp)}"
    old = existing_timestamp(dest)
    if dest.read_bytes() == data:
        return "unchanged", "identical to the submission already collected"
    if item.timestamp > old:
        return "replaced", f"newer ({_when(item.timestamp)}) than the submission collected before ({_when(old)})"
    if force:
        return "forced", f"replaces the newer submission from {_when(old)} (--force)"
    return "kept", (f"the submission collected before ({_when(old)}) is newer than this one "
                    f"({_when(item.timestamp)}); use --force to replace it")


def collect(lab: str, path: Path, root: Path, mapping: dict[str, str] | None = None,
            force: bool = False) -> list[Action]:
    """Import every notebook under ``path`` into ``root/submitted``; returns one Action per file."""
    notebooks = lab_notebook_names(Path(root), lab)
    actions: list[Action] = []
    chosen: dict[tuple[str, str], tuple[Incoming, Action]] = {}
    for item in find_incoming(Path(path)):
        action = match(item, notebooks, mapping or {})
        if action.verdict != "collected":
            actions.append(action)
            continue
        key = (action.student, action.notebook)
        if key in chosen:  # two files of one student in this batch: the newer one is the submission
            older, newer = sorted([chosen[key], (item, action)], key=lambda pair: pair[0].timestamp)
            actions.append(Action("superseded", older[0].origin, f"a newer file of this student is in the batch: "
                                  f"{newer[0].origin}", *key))
            chosen[key] = newer
        else:
            chosen[key] = (item, action)
    for (student, notebook), (item, action) in sorted(chosen.items()):
        dest = CoursePaths(Path(root)).submitted(student, lab) / f"{notebook}.ipynb"
        data = item.read()
        action.verdict, action.detail = decide(item, data, dest, force)
        if action.verdict in ("collected", "replaced", "forced"):
            store(item, data, dest)
        actions.append(action)
    return actions


ORDER = ("collected", "replaced", "forced", "unchanged", "kept", "superseded", "unmatched", "skipped")


def print_actions(actions: list[Action]) -> None:
    for action in sorted(actions, key=lambda a: (ORDER.index(a.verdict), a.student or "", a.origin)):
        print(action.line())
    counts = {v: sum(a.verdict == v for a in actions) for v in ORDER}
    print(", ".join(f"{n} {v}" for v, n in counts.items() if n) or "nothing found")


def cmd_collect(args: argparse.Namespace) -> int:
    from ..course import repo_root

    root = Path(args.root or repo_root())
    mapping = read_mapping(args.mapping) if args.mapping else {}
    try:
        actions = collect(args.lab, args.path, root, mapping, args.force)
    except (FileNotFoundError, CourseError) as error:
        print(f"cannot collect {args.lab}: {error} (is the lab released in {root}?)")
        return 1
    print(f"{args.path} -> {root / 'submitted'}/<student>/{args.lab}/")
    print_actions(actions)
    return 0


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("lab", help="lab id, e.g. lab01_fundamentals")
    p.add_argument("path", type=Path, help="a folder, a .zip of notebooks, or one notebook")
    p.add_argument("--mapping", type=Path, default=None,
                   help="CSV of filename,student_id rows for files whose names carry no (or the wrong) id")
    p.add_argument("--force", action="store_true",
                   help="replace earlier submissions even when they are newer")
    p.set_defaults(func=cmd_collect)
