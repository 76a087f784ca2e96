"""Lab 7's given code: load_model asks torchvision for the DEFAULT weights and falls back only when the
download fails; the offline photos and labelled set of autograder.data.

load_model is a locked cell of the notebook (assignments/lab07_pretrained_models/...py); these tests
run that very cell. The download itself is simulated at torch.hub.download_url_to_file (what
torchvision's weights call to fetch a file), with an empty hub cache, so no test touches the network.
"""
from __future__ import annotations

import contextlib
import gc
import http.client
import io
import socket
import sys
import types
import urllib.error
from pathlib import Path

import jupytext
import numpy as np
import pytest
import torch
import torchvision

from autograder import data

from conftest import ROOT

NOTEBOOK = ROOT / "assignments" / "lab07_pretrained_models" / "lab07_pretrained_models.py"
ENUMS = {"alexnet": torchvision.models.AlexNet_Weights, "vgg16": torchvision.models.VGG16_Weights,
         "resnet18": torchvision.models.ResNet18_Weights}


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """The notebook's load_model cell run with the modules it uses, with an empty hub cache."""
    cells = {cell.metadata.get("id"): cell.source for cell in jupytext.read(NOTEBOOK).cells}
    namespace = {"gc": gc, "http": http, "socket": socket, "torch": torch, "torchvision": torchvision, "urllib": urllib}
    monkeypatch.chdir(tmp_path)
    old_dir = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))
    try:
        exec(compile(cells["load_model"], "load_model", "exec"), namespace)
        yield types.SimpleNamespace(**{k: namespace[k] for k in ("load_model", "random_weights", "ARCHITECTURES")})
    finally:
        torch.hub.set_dir(old_dir)


def fake_download(monkeypatch, outcome) -> list[str]:
    """Make torch.hub's download raise ``outcome`` (an exception) or write it (a state dict); returns the URLs asked."""
    asked: list[str] = []

    def download(url, dst, *args, **kwargs):
        asked.append(url)
        if isinstance(outcome, BaseException):
            raise outcome
        torch.save(outcome, dst)

    monkeypatch.setattr(torch.hub, "download_url_to_file", download)
    return asked


def run(load_model, name):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        model, weights = load_model(name)
    return model, weights, out.getvalue()


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_load_model_asks_for_the_default_weights(lab, monkeypatch, name):
    """The builder gets weights=<Enum>.DEFAULT (not pretrained=True) and downloads DEFAULT's file."""
    calls = []
    builder, enum = lab.ARCHITECTURES[name]
    lab.ARCHITECTURES[name] = (lambda **kwargs: calls.append(kwargs) or builder(**kwargs), enum)
    asked = fake_download(monkeypatch, RuntimeError("invalid hash"))  # a broken file, not a download error
    with torch.device("meta"), pytest.raises(RuntimeError, match="invalid hash"):  # meta: shapes only, fast
        run(lab.load_model, name)
    assert calls == [{"weights": ENUMS[name].DEFAULT}]
    assert asked == [ENUMS[name].DEFAULT.url]


DOWNLOAD_ERRORS = [
    urllib.error.URLError(socket.gaierror(-2, "Name or service not known")),  # no network, no DNS
    urllib.error.HTTPError("https://download.pytorch.org/x.pth", 403, "Forbidden", {}, None),  # a proxy says no
    TimeoutError("timed out"),  # socket.timeout
    ConnectionResetError(104, "Connection reset by peer"),
    http.client.IncompleteRead(b"partial"),
]


@pytest.mark.parametrize("error", DOWNLOAD_ERRORS, ids=lambda e: type(e).__name__)
def test_load_model_falls_back_to_seeded_random_weights_on_a_download_error(lab, monkeypatch, error):
    fake_download(monkeypatch, error)
    model, weights, said = run(lab.load_model, "resnet18")
    assert weights is ENUMS["resnet18"].DEFAULT
    assert isinstance(model, torchvision.models.ResNet) and not model.training
    assert "resnet18" in lab.random_weights
    assert len(said.strip().splitlines()) <= 2 and "random weights" in said.splitlines()[-1]
    again, _, _ = run(lab.load_model, "resnet18")
    for p, q in zip(model.state_dict().values(), again.state_dict().values()):
        assert torch.equal(p, q), "the random weights must be seeded: the same on every load"


@pytest.mark.parametrize("error", [RuntimeError("PytorchStreamReader failed reading zip archive"),
                                   ValueError("bad state dict"), PermissionError(13, "Permission denied")],
                         ids=lambda e: type(e).__name__)
def test_load_model_raises_any_other_error(lab, monkeypatch, error):
    fake_download(monkeypatch, error)
    with pytest.raises(type(error)):
        run(lab.load_model, "resnet18")
    assert "resnet18" not in lab.random_weights


def test_load_model_uses_the_downloaded_weights(lab, monkeypatch):
    torch.manual_seed(123)
    pretrained = torchvision.models.resnet18().state_dict()
    asked = fake_download(monkeypatch, pretrained)
    lab.random_weights.add("resnet18")  # an earlier load had failed: this one succeeds
    model, weights, said = run(lab.load_model, "resnet18")
    assert asked == [ENUMS["resnet18"].DEFAULT.url] and "random" not in said
    assert not model.training and "resnet18" not in lab.random_weights
    for key, value in model.state_dict().items():
        assert torch.equal(value, pretrained[key]), key
    assert len(weights.meta["categories"]) == 1000 and weights.meta["_metrics"]["ImageNet-1K"]["acc@1"] > 60


def test_load_model_never_waits_forever_and_restores_the_socket_timeout(lab, monkeypatch):
    seen = []

    def download(url, dst, *args, **kwargs):
        seen.append(socket.getdefaulttimeout())
        raise urllib.error.URLError("offline")

    monkeypatch.setattr(torch.hub, "download_url_to_file", download)
    before = socket.getdefaulttimeout()
    run(lab.load_model, "resnet18")
    assert seen and seen[0] is not None and seen[0] <= 60
    assert socket.getdefaulttimeout() == before


# ----------------------------------------------------------------------------- autograder.data


def test_sample_photos_are_written_at_run_time(tmp_path):
    labels = data.save_sample_photos(tmp_path / "photos")
    files = sorted(p.name for p in (tmp_path / "photos").iterdir())
    assert files == list(labels) and len(files) >= 6
    from PIL import Image

    for name in files:
        with Image.open(tmp_path / "photos" / name) as image:
            assert image.mode == "RGB" and min(image.size) >= 100


def test_sample_photos_add_scikit_image_photos_when_it_is_installed(tmp_path, monkeypatch):
    """scikit-image is no dependency: a stand-in module whose rocket() needs a download shows both paths."""
    fake = types.ModuleType("skimage.data")
    fake.astronaut = lambda: np.full((64, 48, 3), 200, dtype=np.uint8)
    fake.chelsea = lambda: np.zeros((40, 30, 3), dtype=np.uint8)
    fake.coffee = lambda: np.zeros((30, 30), dtype=np.uint8)  # a grey one is written as RGB too

    def rocket():
        raise ConnectionError("this version would download it")

    fake.rocket = rocket
    package = types.ModuleType("skimage")
    package.data = fake
    monkeypatch.setitem(sys.modules, "skimage", package)
    monkeypatch.setitem(sys.modules, "skimage.data", fake)
    labels = data.save_sample_photos(tmp_path)
    assert {"skimage_astronaut.jpg", "skimage_chelsea.jpg", "skimage_coffee.jpg"} <= set(labels)
    assert "skimage_rocket.jpg" not in labels and not (tmp_path / "skimage_rocket.jpg").exists()
    assert list(labels) == sorted(labels)


def test_small_labelled_set_falls_back_to_the_digits_offline(tmp_path, capsys):
    small = data.load_small_labelled_set(per_class=3, root=tmp_path, download=False)
    assert small.source == "digits" and "digits" in capsys.readouterr().out
    assert small.x_train.shape == (30, 8, 8, 3) and small.x_train.dtype == np.uint8
    assert small.x_train.max() == 255 and small.x_test.shape == (30, 8, 8, 3)
    for labels in (small.y_train, small.y_test):
        assert np.bincount(labels).tolist() == [3] * 10
    # no image is both a training and a test image
    train = {x.tobytes() + bytes([y]) for x, y in zip(small.x_train, small.y_train)}
    assert not train & {x.tobytes() + bytes([y]) for x, y in zip(small.x_test, small.y_test)}


def test_small_labelled_set_reads_cifar10_from_disk(tmp_path, monkeypatch):
    class FakeCIFAR10:
        def __init__(self, root, train, download):
            assert Path(root) == tmp_path and train is False and download is False
            self.data = np.arange(40 * 32 * 32 * 3, dtype=np.uint32).astype(np.uint8).reshape(40, 32, 32, 3)
            self.targets = [i % 10 for i in range(40)]
            self.classes = [f"class {i}" for i in range(10)]

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", FakeCIFAR10)
    small = data.load_small_labelled_set(per_class=2, root=tmp_path, download=False)
    assert small.source == "CIFAR-10" and small.classes[3] == "class 3"
    assert small.x_train.shape == (20, 32, 32, 3) and small.y_test.tolist() == list(range(10)) * 2
