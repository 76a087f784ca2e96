"""Data sets for the labs, all of which work offline.

- :func:`load_mnist` reads real MNIST through torchvision when it is on disk or can be
  downloaded (Colab), and otherwise falls back to the 10,000 real MNIST digits bundled with
  this package (see ``data/README.md`` for their provenance and licence). :func:`fetch` is the
  one way a loader downloads: a network that does not answer costs at most NETWORK_BUDGET
  seconds per session, over every loader, and a failed download leaves nothing behind.
- :func:`make_double_moons` generates the classic two interleaved half-moons.
- :func:`load_sample_image` returns one of scikit-learn's bundled photos as a tensor.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import numpy as np

BUNDLED_MNIST = "mnist_10k.npz"
BUNDLED_TRAIN = 8000  # the bundled digits are shuffled; the first 8,000 train, the last 2,000 test
DEFAULT_ROOT = Path(os.environ.get("COURSE_DATA", Path.home() / ".cache" / "nn-course"))
T = TypeVar("T")


@dataclass(frozen=True)
class Split:
    """Images uint8 (N, 28, 28) with 0 = background, labels int64 (N,) in 0..9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # "torchvision" (full MNIST) or "bundled" (the 10,000-digit subset)


# ----------------------------------------------------------------------------- the network, once per session

NETWORK_BUDGET = 5.0  # seconds a session waits, in all, on a network that does not answer


@dataclass
class _Network:
    """What this session (kernel) learnt about the network: the waiting time left, and what failed."""

    budget: float = NETWORK_BUDGET
    down: str = ""  # why the network is taken as unreachable ("" until a probe fails)
    failed: dict[str, str] = field(default_factory=dict)  # data set -> why its download failed


_network = _Network()


@contextlib.contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(old)


def _answers(url: str) -> bool:
    """Whether ``url``'s server answers, waiting at most what is left of the session's budget.

    The request runs in a thread that is abandoned when the budget runs out, so that neither a
    hanging DNS lookup nor a connection that never completes can hold the notebook longer.
    """
    if _network.down:
        return False
    if _network.budget <= 0:
        _network.down = f"the network did not answer within {NETWORK_BUDGET:g} s"
        return False
    import urllib.error
    import urllib.request

    outcome: dict[str, BaseException | None] = {}

    def probe() -> None:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=_network.budget):
                outcome["error"] = None
        except urllib.error.HTTPError:  # the server answered (a status code is an answer)
            outcome["error"] = None
        except BaseException as error:  # no network, no DNS, refused, timed out
            outcome["error"] = error

    start = time.monotonic()
    worker = threading.Thread(target=probe, daemon=True, name="nn-course network probe")
    worker.start()
    worker.join(_network.budget)
    _network.budget -= time.monotonic() - start
    if "error" not in outcome:
        _network.down = f"the network did not answer within {NETWORK_BUDGET:g} s"
    elif outcome["error"] is not None:
        reason = getattr(outcome["error"], "reason", outcome["error"])
        _network.down = f"no network: {str(reason)[:60] or type(reason).__name__}"
    return not _network.down


def _quietly(make: Callable[[Path, bool], T], folder: Path, download: bool) -> T | None:
    """``make(folder, download)`` with its prints and progress bars silenced; None when it fails."""
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            return make(folder, download)
    except Exception:  # no files, no network, a partial or corrupt download
        return None


def fetch(name: str, root: Path, download: bool, probe_url: str,
          make: Callable[[Path, bool], T]) -> tuple[T | None, str]:
    """A data set from ``root``, else downloaded when allowed: (it or None, how it was had or why not).

    ``make(folder, download)`` builds it (e.g. torchvision's dataset classes). A download goes into
    a scratch folder that moves under ``root`` only once complete, so a failed one leaves no empty or
    partial folder behind; a failure is remembered for the session (no second wait), and a network
    that does not answer costs at most NETWORK_BUDGET seconds in all, over every loader.
    """
    found = _quietly(make, root, False)
    if found is not None:
        return found, f"from {root}"
    if not download:
        return None, "nothing is downloaded while grading" if os.environ.get("NBGRADER_EXECUTION") else \
            "not downloaded (download=False)"
    if name in _network.failed:
        return None, _network.failed[name]
    if not _answers(probe_url):
        return None, _network.down
    scratch = Path(tempfile.mkdtemp(prefix=f"nn-course-{name}-"))
    try:
        with _socket_timeout(NETWORK_BUDGET):
            found = _quietly(make, scratch, True)
        if found is None:
            _network.failed[name] = "the download failed"
            return None, _network.failed[name]
        root.mkdir(parents=True, exist_ok=True)
        for part in scratch.iterdir():
            if (root / part.name).exists():  # an incomplete earlier copy (it did not load above)
                shutil.rmtree(root / part.name)
            shutil.move(str(part), str(root / part.name))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return _quietly(make, root, False), f"downloaded into {root}"


def _torchvision_mnist(folder: Path, download: bool) -> Split:
    from torchvision.datasets import MNIST

    train = MNIST(str(folder), train=True, download=download)
    test = MNIST(str(folder), train=False, download=download)
    return Split(train.data.numpy(), train.targets.numpy().astype(np.int64),
                 test.data.numpy(), test.targets.numpy().astype(np.int64), "torchvision")


def _mnist_url() -> str:
    try:
        from torchvision.datasets import MNIST
    except ImportError:
        return ""
    return f"{MNIST.mirrors[0]}{MNIST.resources[0][0]}"


def bundled_mnist() -> Split:
    """The bundled 10,000 real MNIST digits with the course's fixed 8,000 / 2,000 split."""
    with resources.files("autograder").joinpath("data", BUNDLED_MNIST).open("rb") as handle:
        data = np.load(handle)
        images, labels = data["images"], data["labels"].astype(np.int64)
    return Split(images[:BUNDLED_TRAIN], labels[:BUNDLED_TRAIN], images[BUNDLED_TRAIN:], labels[BUNDLED_TRAIN:],
                 "bundled")


def load_mnist(root: str | Path | None = None, download: bool | None = None, verbose: bool = True) -> Split:
    """MNIST as uint8 images (N, 28, 28) and int64 labels, never stuck on the network.

    Full MNIST (60,000 / 10,000) from torchvision when its files are under ``root`` or can be
    downloaded (Colab); otherwise the bundled subset (8,000 / 2,000). While grading
    (``NBGRADER_EXECUTION`` set) nothing is downloaded. A network that does not answer costs at
    most NETWORK_BUDGET seconds per session, and a failed download is not tried again in the
    session. One line says which data is used (``verbose``).
    """
    root = Path(root) if root else DEFAULT_ROOT
    if download is None:
        download = not os.environ.get("NBGRADER_EXECUTION")
    url = _mnist_url()
    split, how = fetch("MNIST", root, download and bool(url), url, _torchvision_mnist) if url else \
        (None, "torchvision is not installed")
    if split is None:
        split = bundled_mnist()
        if verbose:
            print(f"MNIST: using the bundled {len(split.y_train):,} training / {len(split.y_test):,} test digits "
                  f"(full MNIST: {how}).")
    elif verbose:
        print(f"MNIST: the full data set, {len(split.y_train):,} training / {len(split.y_test):,} test digits, {how}.")
    return split


def make_double_moons(n: int = 1000, radius: float = 1.0, width: float = 0.6, distance: float = -0.5,
                      seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half-moons (Haykin's classic benchmark).

    The upper moon is centred at (0, 0), the lower one at (radius, -distance); each is a
    half ring of the given radius and width. A negative distance makes them interleave,
    so they cannot be separated by a line.

    Returns X float64 (n, 2) and labels y float64 (n,) in {-1, +1} (+1 for the upper moon),
    shuffled.
    """
    rng = np.random.default_rng(seed)
    upper = n // 2
    r = radius + width * (rng.random(n) - 0.5)
    theta = np.pi * rng.random(n)
    x = r * np.cos(theta)
    y = r * np.sin(theta)
    lower = np.arange(n) >= upper
    x[lower] = radius - x[lower]  # mirror the lower half ring and shift it right and down
    y[lower] = -y[lower] - distance
    labels = np.where(lower, -1.0, 1.0)
    order = rng.permutation(n)
    return np.column_stack([x, y])[order], labels[order]


def load_sample_image(name: str = "china.jpg"):
    """One of scikit-learn's bundled photos ("china.jpg", "flower.jpg") as a float tensor (1, 3, H, W) in [0, 1]."""
    import torch
    from sklearn.datasets import load_sample_image as sklearn_image

    image = sklearn_image(name)  # uint8 (H, W, 3)
    return torch.from_numpy(np.array(image)).permute(2, 0, 1).float().div(255.0).unsqueeze(0)
