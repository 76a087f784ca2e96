"""autograder collect: LMS-style names, plain ids, zips and folders, a mapping file, never overwrite silently."""
from __future__ import annotations

import os
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.grader.collect import collect, student_from_name

LAB = "lab03_demo"
T_OLD = datetime(2024, 3, 1, 10, 0).timestamp()
T_NEW = datetime(2024, 3, 2, 10, 0).timestamp()


def make_course(root: Path, notebooks: tuple[str, ...] = ("lab03_demo",)) -> Path:
    """A course folder with just a release (collect needs only the notebooks' names)."""
    for name in notebooks:
        path = root / "release" / LAB / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    return root


def put(folder: Path, name: str, content: str, when: float = T_OLD) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    os.utime(path, (when, when))
    return path


def submitted(root: Path, student: str, notebook: str = "lab03_demo") -> Path:
    return root / "submitted" / student / LAB / f"{notebook}.ipynb"


def verdicts(actions) -> dict[str, str]:
    return {Path(a.origin.split(":")[-1]).name: a.verdict for a in actions}


@pytest.mark.parametrize("name, student", [
    ("doe_jane_12345_lab03.ipynb", "12345"),
    ("12345.ipynb", "12345"),
    ("doejane_12345_67890_lab03_demo.ipynb", "12345"),  # Canvas: user id, then submission id
    ("Jane Doe_4567_assignsubmission_file_lab03.ipynb", "4567"),  # Moodle
    ("doe_jane_lab03.ipynb", None),
    ("lab03 (1).ipynb", None),
])
def test_student_id_from_lms_names(name, student):
    assert student_from_name(name) == student


def test_folder_with_lms_names_lands_under_the_release_name(tmp_path):
    root = make_course(tmp_path / "course")
    inbox = tmp_path / "inbox"
    put(inbox, "doe_jane_12345_lab03.ipynb", "jane")
    put(inbox, "67890.ipynb", "john")
    actions = collect(LAB, inbox, root)
    assert verdicts(actions) == {"doe_jane_12345_lab03.ipynb": "collected", "67890.ipynb": "collected"}
    assert submitted(root, "12345").read_text() == "jane"
    assert submitted(root, "67890").read_text() == "john"
    assert "2024-03-01" in (submitted(root, "12345").parent / "timestamp.txt").read_text()


def test_zip_uses_entry_dates_and_ignores_macos_noise(tmp_path):
    root = make_course(tmp_path / "course")
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo("all/doe_jane_12345_lab03.ipynb", (2024, 3, 1, 10, 0, 0)), "jane")
        zf.writestr(zipfile.ZipInfo("__MACOSX/all/._doe_jane_12345_lab03.ipynb", (2024, 3, 1, 10, 0, 0)), "x")
        zf.writestr(zipfile.ZipInfo("all/notes.txt", (2024, 3, 1, 10, 0, 0)), "x")
    actions = collect(LAB, archive, root)
    assert verdicts(actions) == {"doe_jane_12345_lab03.ipynb": "collected", "notes.txt": "skipped"}
    assert submitted(root, "12345").read_text() == "jane"
    assert submitted(root, "12345").stat().st_mtime == pytest.approx(T_OLD)


def test_unmatched_names_are_reported_not_guessed(tmp_path):
    root = make_course(tmp_path / "course")
    inbox = tmp_path / "inbox"
    put(inbox, "doe_jane_lab03.ipynb", "jane")
    actions = collect(LAB, inbox, root)
    assert [(a.verdict, "--mapping" in a.detail) for a in actions] == [("unmatched", True)]
    assert not (root / "submitted").exists()


def test_mapping_file_names_the_student(tmp_path):
    root = make_course(tmp_path / "course")
    inbox = tmp_path / "inbox"
    put(inbox, "doe_jane_lab03.ipynb", "jane")
    put(inbox, "smith_99999_lab03.ipynb", "smith")  # the mapping also overrides a wrong id
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("filename,student_id\ndoe_jane_lab03.ipynb,jdoe\nsmith_99999_lab03.ipynb,11111\n")
    main(["collect", LAB, str(inbox), "--mapping", str(mapping), "--root", str(root)])
    assert submitted(root, "jdoe").read_text() == "jane"
    assert submitted(root, "11111").read_text() == "smith"
    assert not (root / "submitted" / "99999").exists()


def test_lab_of_several_notebooks_matches_by_notebook_name(tmp_path):
    root = make_course(tmp_path / "course", ("part1_numpy", "part2_layers"))
    inbox = tmp_path / "inbox"
    put(inbox, "doe_jane_12345_part2_layers.ipynb", "p2")
    put(inbox, "doe_jane_12345_part1_numpy.ipynb", "p1")
    put(inbox, "doe_jane_12345_lab03.ipynb", "which?")
    actions = verdicts(collect(LAB, inbox, root))
    assert actions["doe_jane_12345_lab03.ipynb"] == "unmatched"
    assert submitted(root, "12345", "part1_numpy").read_text() == "p1"
    assert submitted(root, "12345", "part2_layers").read_text() == "p2"


def test_a_newer_submission_replaces_an_older_one(tmp_path, capsys):
    root = make_course(tmp_path / "course")
    put(tmp_path / "first", "12345.ipynb", "old", T_OLD)
    put(tmp_path / "second", "12345.ipynb", "new", T_NEW)
    collect(LAB, tmp_path / "first", root)
    main(["collect", LAB, str(tmp_path / "second"), "--root", str(root)])
    assert submitted(root, "12345").read_text() == "new"
    assert "replaced" in capsys.readouterr().out


def test_an_older_submission_never_overwrites_a_newer_one(tmp_path, capsys):
    root = make_course(tmp_path / "course")
    put(tmp_path / "first", "12345.ipynb", "new", T_NEW)
    put(tmp_path / "second", "12345.ipynb", "old", T_OLD)
    collect(LAB, tmp_path / "first", root)
    main(["collect", LAB, str(tmp_path / "second"), "--root", str(root)])
    assert submitted(root, "12345").read_text() == "new"
    out = capsys.readouterr().out
    assert "kept" in out and "--force" in out


def test_force_replaces_even_a_newer_submission(tmp_path, capsys):
    root = make_course(tmp_path / "course")
    put(tmp_path / "first", "12345.ipynb", "new", T_NEW)
    put(tmp_path / "second", "12345.ipynb", "old", T_OLD)
    collect(LAB, tmp_path / "first", root)
    main(["collect", LAB, str(tmp_path / "second"), "--force", "--root", str(root)])
    assert submitted(root, "12345").read_text() == "old"
    assert "forced" in capsys.readouterr().out


def test_collecting_the_same_files_again_changes_nothing(tmp_path):
    root = make_course(tmp_path / "course")
    put(tmp_path / "inbox", "12345.ipynb", "same", T_OLD)
    collect(LAB, tmp_path / "inbox", root)
    assert [a.verdict for a in collect(LAB, tmp_path / "inbox", root)] == ["unchanged"]


def test_two_files_of_one_student_in_a_batch_keep_the_newest(tmp_path):
    root = make_course(tmp_path / "course")
    inbox = tmp_path / "inbox"
    put(inbox, "doe_jane_12345_lab03.ipynb", "late", T_NEW)
    put(inbox, "doe_jane_12345_lab03_draft.ipynb", "draft", T_OLD)
    actions = verdicts(collect(LAB, inbox, root))
    assert actions == {"doe_jane_12345_lab03.ipynb": "collected", "doe_jane_12345_lab03_draft.ipynb": "superseded"}
    assert submitted(root, "12345").read_text() == "late"
