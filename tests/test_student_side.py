"""What students meet besides the notebooks' own checks: data loaders on a bad network, a failed check as
nbgrader's Validate shows it, training cells on the GPU when there is one, and a light package."""
from __future__ import annotations

import ast
import http.server
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from autograder import data
from autograder.authoring.harness import fill_submission
from autograder.cells import is_test_cell
from autograder.checks import CheckFailed
from autograder.course import interpreter_env, labs

from conftest import ROOT
from conftest import TINY_LAB as TINY



# ----------------------------------------------------------------------------- data loaders


@pytest.fixture
def session(monkeypatch, tmp_path):
    """A fresh session's view of the network, a 1-second budget, and scratch folders under tmp_path."""
    monkeypatch.setattr(data, "_network", data._Network(budget=1.0))
    monkeypatch.setattr(data, "NETWORK_BUDGET", 1.0)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return tmp_path


class Hanging:
    """A server that accepts connections and never answers (DNS works, the network hangs)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.connections.append(self.server.accept()[0])
            except OSError:
                return

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.getsockname()[1]}/train-images-idx3-ubyte.gz"

    def close(self) -> None:
        for connection in self.connections:
            connection.close()
        self.server.close()


def test_a_hanging_network_costs_the_budget_once_per_session(session, monkeypatch, capsys):
    import torchvision.datasets  # noqa: F401  (imported before the clock starts: seconds of its own)

    hanging = Hanging()
    monkeypatch.setattr(data, "_mnist_url", lambda: hanging.url)
    try:
        start = time.monotonic()
        first = data.load_mnist(root=session / "data", download=True)
        second = data.load_mnist(root=session / "data", download=True)
        waited = time.monotonic() - start
    finally:
        hanging.close()
    assert first.source == second.source == "bundled"
    assert len(hanging.connections) == 1, "the second loader tried the network again"
    assert waited < data.NETWORK_BUDGET + 3, f"waited {waited:.1f} s for a budget of {data.NETWORK_BUDGET} s"
    notices = capsys.readouterr().out.splitlines()
    assert notices == ["MNIST: using the bundled 8,000 training / 2,000 test digits (full MNIST: the network did "
                       "not answer within 1 s)."] * 2, notices
    assert not (session / "data").exists() and not list((session / "scratch").glob("nn-course-*"))


class NotFound(http.server.BaseHTTPRequestHandler):
    """Answers HEAD (the network is up) but has none of the files (a download fails)."""

    requests: list[str] = []

    def do_HEAD(self) -> None:  # noqa: N802
        self.requests.append("HEAD " + self.path)
        self.send_response(200)
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        self.requests.append("GET " + self.path)
        self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


def test_a_failed_download_leaves_nothing_and_is_not_tried_again(session, monkeypatch, capsys):
    from torchvision.datasets import MNIST

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    NotFound.requests = []
    mirror = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setattr(MNIST, "mirrors", [mirror])
    try:
        first = data.load_mnist(root=session / "data", download=True)
        tried = len(NotFound.requests)
        second = data.load_mnist(root=session / "data", download=True)
    finally:
        server.shutdown()
    assert first.source == second.source == "bundled"
    assert tried >= 2 and len(NotFound.requests) == tried, NotFound.requests
    assert not (session / "data").exists(), "a failed download left a cache folder behind"
    assert not list((session / "scratch").glob("nn-course-*")), "a scratch download folder was left behind"
    assert capsys.readouterr().out.splitlines()[-1].endswith("(full MNIST: the download failed).")


def idx_files(folder: Path, train: int, test: int) -> list[tuple[str, str]]:
    """MNIST's four gzipped IDX files for a few random digits; returns torchvision's (file, md5) list."""
    import gzip
    import hashlib
    import struct

    import numpy as np

    rng = np.random.default_rng(0)
    resources = []
    for prefix, n in (("train", train), ("t10k", test)):
        images = struct.pack(">IIII", 2051, n, 28, 28) + rng.integers(0, 256, (n, 28, 28), dtype=np.uint8).tobytes()
        labels = struct.pack(">II", 2049, n) + rng.integers(0, 10, n, dtype=np.uint8).tobytes()
        for kind, payload in (("images-idx3", images), ("labels-idx1", labels)):
            name = f"{prefix}-{kind}-ubyte.gz"
            (folder / name).write_bytes(gzip.compress(payload, mtime=0))
            resources.append((name, hashlib.md5((folder / name).read_bytes()).hexdigest()))
    return resources


def test_a_download_lands_whole_in_the_cache_and_is_used_from_there(session, monkeypatch, capsys):
    from functools import partial

    from torchvision.datasets import MNIST

    served = session / "served"
    served.mkdir()
    monkeypatch.setattr(MNIST, "resources", idx_files(served, train=3, test=2))
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(MNIST, "mirrors", [f"http://127.0.0.1:{server.server_address[1]}/"])
    try:
        downloaded = data.load_mnist(root=session / "data", download=True)
    finally:
        server.shutdown()
    again = data.load_mnist(root=session / "data", download=True)
    assert downloaded.source == again.source == "torchvision"
    assert downloaded.x_train.shape == (3, 28, 28) and downloaded.y_test.shape == (2,)
    assert sorted(p.name for p in (session / "data" / "MNIST" / "raw").iterdir() if p.suffix != ".gz") == \
        ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
    assert not list((session / "scratch").glob("nn-course-*"))
    first, second = capsys.readouterr().out.splitlines()
    assert first == f"MNIST: the full data set, 3 training / 2 test digits, downloaded into {session / 'data'}."
    assert second == f"MNIST: the full data set, 3 training / 2 test digits, from {session / 'data'}."


def test_while_grading_nothing_is_downloaded(session, monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setattr(data, "_answers", lambda url: pytest.fail("the network was tried while grading"))
    assert data.load_mnist(root=session / "data").source == "bundled"
    assert "nothing is downloaded while grading" in capsys.readouterr().out


# ----------------------------------------------------------------------------- failed checks, as Validate shows them


def test_a_failed_check_shows_its_message_without_a_traceback():
    """IPython renders it as two lines: the name alone, then the message (its first line under 80)."""
    error = CheckFailed("count_weights([2, 4, 1], bias=True, recurrent=True): expected 33, got 28\n  more")
    assert error._render_traceback_() == ["\x1b[0;31mCheckFailed\x1b[0m:",
                                          "count_weights([2, 4, 1], bias=True, recurrent=True): expected 33, got 28",
                                          "  more"]


def validate(root: Path, answers: dict[str, str]) -> str:
    """`nbgrader validate` on the tiny lab's release with the reference answers, except ``answers``."""
    nb = fill_submission(root / "release" / TINY / f"{TINY}.ipynb", root / "source" / TINY / f"{TINY}.ipynb", answers)
    path = root / "student" / f"{TINY}.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path)], capture_output=True, text=True,
                          cwd=path.parent, env=interpreter_env())
    return done.stdout + done.stderr


def test_validate_on_a_solved_notebook_says_success_and_nothing_else(tiny_course):
    output = validate(tiny_course, {})
    assert "Success! Your notebook passes all the tests." in output, output
    about_the_notebook = [line for line in output.splitlines() if "WARNING" in line and
                          "nbgrader_config.py" not in line and not line.startswith("[IPKernelApp]")]
    assert not about_the_notebook and "cannot be converted to a float" not in output, output


def test_validate_shows_a_failed_checks_expected_vs_got_line_whole(tiny_course):
    output = validate(tiny_course, {"double": "def double(x):\n    return 3 * x"})
    assert "VALIDATION FAILED ON 1 CELL(S)" in output, output
    assert "\n    double(3): expected 6, got 9\n" in output, output


@pytest.mark.parametrize("lab", labs(ROOT), ids=lambda lab: lab.id)
def test_no_released_test_cell_displays_a_value(lab):
    """A test cell whose released code ends in an expression (a lone docstring) shows it as Out[...], which
    reads like a passed check and makes Validate warn ("cannot be converted to a float")."""
    shown = []
    for name in lab.notebooks:
        for cell in nbformat.read(ROOT / "release" / lab.id / f"{name}.ipynb", as_version=4).cells:
            if is_test_cell(cell):
                body = ast.parse(cell.source).body
                if body and isinstance(body[-1], ast.Expr) and not isinstance(body[-1].value, ast.Call):
                    shown.append(f"{name}: {cell.metadata.nbgrader.grade_id}")
    assert not shown, f"{len(shown)} test cells show their docstring (call note_hidden_tests()): {shown[:5]}"


# ----------------------------------------------------------------------------- training cells, the package


TRAINS = ("torch.optim.", "optim.SGD(", "optim.Adam(", ".fit(")


@pytest.mark.parametrize("lab", labs(ROOT), ids=lambda lab: lab.id)
def test_training_with_torch_uses_the_gpu_when_there_is_one(lab):
    """A notebook whose own code (not its tests) trains with a torch optimizer picks autograder.device()."""
    for name in lab.notebooks:
        nb = nbformat.read(ROOT / "source" / lab.id / f"{name}.ipynb", as_version=4)
        code = [c.source for c in nb.cells if c.cell_type == "code" and not is_test_cell(c)]
        if any(sign in source for source in code for sign in TRAINS):
            assert any("autograder.device()" in source for source in code), \
                f"{lab.id}/{name} trains with torch but never calls autograder.device()"


def test_the_self_check_loads_nothing_heavy():
    """check_notebook() and check() read the notebook with json: no nbformat, nbgrader or jupytext."""
    code = ("import json, sys, autograder, autograder.selfcheck\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout)
    assert not {"nbformat", "nbgrader", "jupytext", "nbclient", "traitlets"} & set(loaded), loaded
