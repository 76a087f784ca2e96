"""Data sets for the labs, all of which work offline.

- :func:`load_mnist` reads real MNIST through torchvision when it is on disk or can be
  downloaded (Colab), and otherwise falls back to the 10,000 real MNIST digits bundled with
  this package (see ``data/README.md`` for their provenance and licence).
- :func:`load_cifar10` reads CIFAR-10 through torchvision when it is on disk or can be
  downloaded (Colab), and otherwise stands in torchvision's ``FakeData`` with CIFAR-10's
  shape and class names (random images: accuracies on them mean nothing).
- :func:`fetch` is the one way a loader downloads: a network that does not answer costs at most
  NETWORK_BUDGET seconds per session, over every loader, and a failed download leaves nothing behind.
- :func:`make_double_moons` generates the classic two interleaved half-moons.
- :func:`load_sample_image` returns one of scikit-learn's bundled photos as a tensor.
- :func:`save_sample_photos` fills a folder with photos that ship with installed packages.
- :func:`load_small_labelled_set` gives a few labelled images per class: CIFAR-10 where it can be
  had, else scikit-learn's digits.
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
from typing import Any, Callable, Iterator, TypeVar

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

    ``make(folder, download)`` builds it (e.g. torchvision's dataset classes); ``probe_url`` is a file
    of its server ("" when it cannot be downloaded, e.g. without torchvision). A download goes into
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
    if not probe_url:
        return None, "torchvision is not installed"
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
    """The first file of MNIST's first mirror ("" without torchvision): what ``fetch`` probes."""
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
    split, how = fetch("MNIST", root, download, _mnist_url(), _torchvision_mnist)
    if split is None:
        split = bundled_mnist()
        if verbose:
            print(f"MNIST: using the bundled {len(split.y_train):,} training / {len(split.y_test):,} test digits "
                  f"(full MNIST: {how}).")
    elif verbose:
        print(f"MNIST: the full data set, {len(split.y_train):,} training / {len(split.y_test):,} test digits, {how}.")
    return split


CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
FAKE_CIFAR10_SIZES = (2000, 500)  # training and test images of the offline stand-in (kept small: they teach nothing)


@dataclass(frozen=True)
class ImageSets:
    """A training and a test ``Dataset`` of (image, label) pairs, the class names, and where they came from."""

    train: Any
    test: Any
    classes: tuple[str, ...]
    source: str  # "torchvision" (CIFAR-10) or "fake" (FakeData with CIFAR-10's shape)


def _cifar10_datasets(root: Path, download: bool, transform: Callable | None) -> ImageSets:
    from torchvision.datasets import CIFAR10

    train = CIFAR10(str(root), train=True, transform=transform, download=download)
    test = CIFAR10(str(root), train=False, transform=transform, download=download)
    return ImageSets(train, test, tuple(train.classes), "torchvision")


def load_cifar10(root: str | Path | None = None, download: bool | None = None,
                 transform: Callable | None = None, verbose: bool = True) -> ImageSets:
    """CIFAR-10 (50,000 / 10,000 RGB images of 32 x 32, 10 classes) as Datasets, never hanging on the network.

    The real data set comes from torchvision when its files are under ``root`` or can be downloaded
    (nothing is downloaded while grading; the network is waited on as :func:`fetch` says). Otherwise
    torchvision's ``FakeData`` stands in: random images of CIFAR-10's shape (3, 32, 32) with random
    labels among its 10 class names (2,000 for training, 500 for testing), and a one-line notice
    says that accuracies are then meaningless. ``transform`` is applied to each PIL image.
    """
    root = Path(root) if root else DEFAULT_ROOT
    if download is None:
        download = not os.environ.get("NBGRADER_EXECUTION")
    sets, how = fetch("CIFAR-10", root, download, _cifar10_url(),
                      lambda folder, attempt: _cifar10_datasets(folder, attempt, transform))
    if sets is not None and verbose:
        print(f"CIFAR-10: the full data set, {len(sets.train):,} training / {len(sets.test):,} test images, {how}.")
    if sets is None:
        from torchvision.datasets import FakeData

        n_train, n_test = FAKE_CIFAR10_SIZES
        train = FakeData(n_train, (3, 32, 32), len(CIFAR10_CLASSES), transform=transform)
        test = FakeData(n_test, (3, 32, 32), len(CIFAR10_CLASSES), transform=transform, random_offset=n_train)
        for fake in (train, test):
            fake.classes = list(CIFAR10_CLASSES)
        sets = ImageSets(train, test, CIFAR10_CLASSES, "fake")
        if verbose:
            print(f"CIFAR-10 is not available ({how}): random FakeData images with its shape and class names "
                  "stand in, so the accuracies below mean nothing.")
    return sets


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


# Crops of scikit-learn's two photos (box = left, upper, right, lower), so that the folder holds more
# than two pictures, each with its own subject.
SAMPLE_PHOTOS = {
    "china.jpg": ("china.jpg", None, "pagoda at the Summer Palace, Beijing"),
    "china_pagoda.jpg": ("china.jpg", (50, 20, 370, 427), "pagoda"),
    "china_lake.jpg": ("china.jpg", (360, 195, 550, 300), "lake with boats"),
    "china_trees.jpg": ("china.jpg", (400, 260, 640, 427), "trees"),
    "flower.jpg": ("flower.jpg", None, "dahlia (a flower)"),
    "flower_close_up.jpg": ("flower.jpg", (160, 80, 450, 370), "dahlia, close up"),
}
# scikit-image photos that its data module ships itself (no download), used when it is installed.
SKIMAGE_PHOTOS = {"astronaut": "astronaut", "chelsea": "cat", "coffee": "cup of coffee", "rocket": "rocket"}


def save_sample_photos(folder: str | Path) -> dict[str, str]:
    """Write photos that ship with installed packages into ``folder`` as JPEG files.

    scikit-learn's two sample photos and four crops of them; scikit-image's astronaut, cat,
    coffee and rocket when scikit-image is installed (it is not a dependency). Returns
    {file name: what the photo shows}, in file-name order.
    """
    from PIL import Image
    from sklearn.datasets import load_sample_image as sklearn_image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    labels = {}
    for name, (original, box, label) in SAMPLE_PHOTOS.items():
        photo = Image.fromarray(sklearn_image(original))
        (photo.crop(box) if box else photo).save(folder / name, quality=95)
        labels[name] = label
    try:
        from skimage import data as skimage_data
    except ImportError:
        skimage_data = None
    for function, label in SKIMAGE_PHOTOS.items() if skimage_data is not None else ():
        try:
            pixels = getattr(skimage_data, function)()
        except Exception:  # an image this version would have to download, or no longer has
            continue
        Image.fromarray(np.asarray(pixels)).convert("RGB").save(folder / f"skimage_{function}.jpg", quality=95)
        labels[f"skimage_{function}.jpg"] = label
    return dict(sorted(labels.items()))


@dataclass(frozen=True)
class LabelledImages:
    """RGB images uint8 (N, H, W, 3), labels int64 (N,) indexing ``classes``, a train and a test part."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list[str]
    source: str  # "CIFAR-10" or "digits"


def _per_class(labels: np.ndarray, per_class: int, skip: int) -> np.ndarray:
    """Indices of images skip .. skip + per_class - 1 of every class, in data-set order."""
    chosen = [np.flatnonzero(labels == c)[skip:skip + per_class] for c in np.unique(labels)]
    return np.sort(np.concatenate(chosen))


def _balanced(images: np.ndarray, labels: np.ndarray, classes: list[str], per_class: int,
              source: str) -> LabelledImages:
    train, test = _per_class(labels, per_class, 0), _per_class(labels, per_class, per_class)
    return LabelledImages(images[train], labels[train], images[test], labels[test], classes, source)


def _torchvision_cifar10(root: Path, download: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from torchvision.datasets import CIFAR10

    data = CIFAR10(str(root), train=False, download=download)
    return np.asarray(data.data), np.asarray(data.targets, dtype=np.int64), list(data.classes)


def _cifar10_url() -> str:
    try:
        from torchvision.datasets import CIFAR10
    except ImportError:
        return ""
    return getattr(CIFAR10, "url", "")


def load_small_labelled_set(per_class: int = 10, root: str | Path | None = None, download: bool | None = None,
                            verbose: bool = True) -> LabelledImages:
    """``per_class`` training and ``per_class`` test images of each of 10 classes, as RGB uint8.

    CIFAR-10's test images (32 x 32 photos) when they are under ``root`` or can be downloaded
    (about 170 MB, Colab); otherwise scikit-learn's handwritten digits (8 x 8, grey, shipped
    with scikit-learn). While grading nothing is downloaded; the network is waited on as
    :func:`fetch` says. One line says which images are used (``verbose``).
    """
    root = Path(root) if root else DEFAULT_ROOT
    if download is None:
        download = not os.environ.get("NBGRADER_EXECUTION")
    found, how = fetch("CIFAR-10", root, download, _cifar10_url(), _torchvision_cifar10)
    if found is not None:
        if verbose:
            print(f"CIFAR-10: {per_class} training and {per_class} test photos per class, {how}.")
        return _balanced(*found, per_class, "CIFAR-10")
    from sklearn.datasets import load_digits

    digits = load_digits()
    grey = np.round(digits.images * (255 / 16)).astype(np.uint8)  # values 0..16 -> 0..255
    if verbose:
        print(f"CIFAR-10: using scikit-learn's 8 x 8 handwritten digits instead ({how}).")
    return _balanced(np.repeat(grey[..., None], 3, axis=-1), digits.target.astype(np.int64),
                     [str(d) for d in range(10)], per_class, "digits")
