"""The data loaders fall back offline: no network while grading, and never a hang."""
from __future__ import annotations

import numpy as np
import torch

from autograder.data import CIFAR10_CLASSES, FAKE_CIFAR10_SIZES, load_cifar10


def test_load_cifar10_stands_in_fake_data_of_cifar10s_shape_offline(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # grading: nothing is downloaded
    sets = load_cifar10(root=tmp_path, transform=lambda image: torch.from_numpy(np.array(image)).float())
    assert sets.source == "fake" and sets.classes == CIFAR10_CLASSES
    assert "mean nothing" in capsys.readouterr().out  # the one-line notice
    assert (len(sets.train), len(sets.test)) == FAKE_CIFAR10_SIZES
    image, label = sets.train[0]
    assert image.shape == (32, 32, 3) and 0 <= label < 10  # the transform got a 32 x 32 RGB image
    assert not torch.equal(sets.test[0][0], image)  # the test images are not the training images
    assert not list(tmp_path.iterdir())  # nothing written
