"""Data sets for the labs, all of which work offline.

- :func:`load_mnist` reads real MNIST through torchvision when it is on disk or can be
  downloaded quickly (Colab), and otherwise falls back to the 10,000 real MNIST digits
  bundled with this package (see ``data/README.md`` for their provenance and licence).
- :func:`load_cifar10` reads CIFAR-10 through torchvision when it is on disk or can be
  downloaded (Colab), and otherwise stands in torchvision's ``FakeData`` with CIFAR-10's
  shape and class names (random images: accuracies on them mean nothing).
- :func:`make_double_moons` generates the classic two interleaved half-moons.
- :func:`load_sample_image` returns one of scikit-learn's bundled photos as a tensor.
"""
from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

BUNDLED_MNIST = "mnist_10k.npz"
BUNDLED_TRAIN = 8000  # the bundled digits are shuffled; the first 8,000 train, the last 2,000 test
DEFAULT_ROOT = Path(os.environ.get("COURSE_DATA", Path.home() / ".cache" / "nn-course"))


@dataclass(frozen=True)
class Split:
    """Images uint8 (N, 28, 28) with 0 = background, labels int64 (N,) in 0..9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # "torchvision" (full MNIST) or "bundled" (the 10,000-digit subset)


@contextlib.contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(old)


def _torchvision_sets(name: str, root: Path, download: bool, timeout: float, **options: Any) -> tuple[Any, Any] | None:
    """torchvision's training and test sets of data set ``name`` ("MNIST", "CIFAR10"), quietly; None if unavailable."""
    try:
        import torchvision.datasets
    except ImportError:
        return None
    dataset = getattr(torchvision.datasets, name)
    try:
        with _socket_timeout(timeout), open(os.devnull, "w") as sink, \
                contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            return (dataset(str(root), train=True, download=download, **options),
                    dataset(str(root), train=False, download=download, **options))
    except Exception:  # no files and no network (or a partial download): the caller falls back
        return None


def _torchvision_mnist(root: Path, download: bool, timeout: float) -> Split | None:
    sets = _torchvision_sets("MNIST", root, download, timeout)
    if sets is None:
        return None
    train, test = sets
    return Split(train.data.numpy(), train.targets.numpy().astype(np.int64),
                 test.data.numpy(), test.targets.numpy().astype(np.int64), "torchvision")


def bundled_mnist() -> Split:
    """The bundled 10,000 real MNIST digits with the course's fixed 8,000 / 2,000 split."""
    with resources.files("autograder").joinpath("data", BUNDLED_MNIST).open("rb") as handle:
        data = np.load(handle)
        images, labels = data["images"], data["labels"].astype(np.int64)
    return Split(images[:BUNDLED_TRAIN], labels[:BUNDLED_TRAIN], images[BUNDLED_TRAIN:], labels[BUNDLED_TRAIN:],
                 "bundled")


def load_mnist(root: str | Path | None = None, download: bool | None = None, timeout: float = 5.0,
               verbose: bool = True) -> Split:
    """MNIST as uint8 images (N, 28, 28) and int64 labels, never hanging on the network.

    Full MNIST (60,000 / 10,000) comes from torchvision when its files are under ``root``
    or can be downloaded within ``timeout`` seconds per connection; otherwise the bundled
    subset (8,000 / 2,000). While grading (``NBGRADER_EXECUTION`` set) nothing is
    downloaded and the bundled subset is used unless full MNIST is already on disk.
    """
    root = Path(root) if root else DEFAULT_ROOT
    if download is None:
        download = not os.environ.get("NBGRADER_EXECUTION")
    split = _torchvision_mnist(root, download=False, timeout=timeout)
    if split is None and download:
        split = _torchvision_mnist(root, download=True, timeout=timeout)
    if split is None:
        split = bundled_mnist()
        if verbose:
            print(f"MNIST: full data set not available offline; using the bundled {len(split.y_train):,} "
                  f"training / {len(split.y_test):,} test digits.")
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


def _torchvision_cifar10(root: Path, download: bool, timeout: float, transform: Callable | None) -> ImageSets | None:
    sets = _torchvision_sets("CIFAR10", root, download, timeout, transform=transform)
    return None if sets is None else ImageSets(*sets, tuple(sets[0].classes), "torchvision")


def load_cifar10(root: str | Path | None = None, download: bool | None = None, timeout: float = 5.0,
                 transform: Callable | None = None, verbose: bool = True) -> ImageSets:
    """CIFAR-10 (50,000 / 10,000 RGB images of 32 x 32, 10 classes), never hanging on the network.

    The real data set comes from torchvision when its files are under ``root`` or can be downloaded
    within ``timeout`` seconds per connection (nothing is downloaded while grading). Otherwise
    torchvision's ``FakeData`` stands in: random images of CIFAR-10's shape (3, 32, 32) with random
    labels among its 10 class names (2,000 for training, 500 for testing), and a one-line notice
    says that accuracies are then meaningless. ``transform`` is applied to each PIL image.
    """
    root = Path(root) if root else DEFAULT_ROOT
    if download is None:
        download = not os.environ.get("NBGRADER_EXECUTION")
    sets = _torchvision_cifar10(root, False, timeout, transform)
    if sets is None and download:
        sets = _torchvision_cifar10(root, True, timeout, transform)
    if sets is None:
        from torchvision.datasets import FakeData

        n_train, n_test = FAKE_CIFAR10_SIZES
        train = FakeData(n_train, (3, 32, 32), len(CIFAR10_CLASSES), transform=transform)
        test = FakeData(n_test, (3, 32, 32), len(CIFAR10_CLASSES), transform=transform, random_offset=n_train)
        for fake in (train, test):
            fake.classes = list(CIFAR10_CLASSES)
        sets = ImageSets(train, test, CIFAR10_CLASSES, "fake")
        if verbose:
            print("CIFAR-10 is not available offline: random FakeData images with its shape and class names stand in, "
                  "so the accuracies below mean nothing.")
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
