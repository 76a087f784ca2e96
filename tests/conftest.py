"""Shared fixtures: the repository, its labs, and a fresh build of them in a temporary folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.build import build
from autograder.course import labs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """assignments/ built anew (source/ and release/) into a temporary course folder."""
    out = tmp_path_factory.mktemp("fresh_build")
    build(root=ROOT, out_root=out)
    return out


def notebook_params() -> list:
    return [pytest.param(lab, name, id=f"{lab.id}/{name}", marks=pytest.mark.xdist_group(f"{lab.id}/{name}"))
            for lab in labs(ROOT) for name in lab.notebooks]
