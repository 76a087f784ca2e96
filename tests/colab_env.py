"""A Colab-like Python environment for the student-side tests, and running a notebook in it.

Colab has torch, torchvision, numpy, scipy, matplotlib, networkx, scikit-learn, pandas and
ipykernel, and neither nbgrader nor jupytext nor this repository. ``colab_python()`` makes such a
venv under build/colab-venv (once; reused while the installed versions stay the same):
``python -m venv`` without system site-packages, holding exactly those distributions and what
they require, at the versions of the course venv (torch==2.14.1, torchvision==0.29.1 from
requirements-dev.txt).

Why not ``pip install`` them: torch 2.14.1 with its CUDA libraries is 4.4 GB to unpack, minutes per
CI run. Instead every file of those distributions (as listed in their RECORD) is hard-linked from
the course venv: the result is file for file what pip would install from the same wheels, pip
inside it sees exactly those distributions (not nbgrader, jupytext or the course package), and it
costs seconds and no disk. Hard links are safe to share: pip never writes a file in place (an
uninstall unlinks our link, a new version is a new file), so nothing done in the Colab venv can
change the course venv. Where the two trees are on different file systems the files are copied.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "build" / "colab-venv"
COLAB_PACKAGES = ("torch", "torchvision", "numpy", "scipy", "matplotlib", "networkx", "scikit-learn", "pandas",
                  "ipykernel", "pip", "tensorboard", "tqdm",
                  # not in Colab: the package requires it and pip fetches it from PyPI there; this venv runs
                  # offline, so it is linked in like the rest
                  "torchinfo")
ABSENT = ("nbgrader", "jupytext", "nn-course-autograder")  # what Colab does not have
KERNEL = "colab-like"
UNREACHABLE = "http://127.0.0.1:9"  # a closed local port as every proxy: each connection is refused at once


def closure(names: tuple[str, ...] = COLAB_PACKAGES) -> list[metadata.Distribution]:
    """The installed distributions ``names`` require, recursively (markers evaluated, extras followed:
    torch's CUDA libraries come through cuda-toolkit's extras)."""
    env = default_environment()
    found: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()
    todo = [(name, "") for name in names]
    while todo:
        name, extra = todo.pop()
        name = canonicalize_name(name)
        if (name, extra) in done:
            continue
        done.add((name, extra))
        try:
            dist = found.get(name) or metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional dependency this venv does not have: Colab may lack it too
        found[name] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({**env, "extra": extra}):
                todo += [(req.name, "")] + [(req.name, e) for e in req.extras]
    return sorted(found.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system: copy
        shutil.copy2(source, target)


def _site_packages(venv: Path) -> Path:
    return venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def _intruders(venv: Path) -> list[Path]:
    """Distributions Colab does not have that something installed into the venv since it was made."""
    site = _site_packages(venv)
    return [p for name in ABSENT for p in site.glob(f"{name.replace('-', '_')}-*.dist-info")]


def _stamp(dists: list[metadata.Distribution]) -> str:
    return json.dumps({"python": sys.version, "dists": [f"{d.metadata['Name']}=={d.version}" for d in dists]})


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # two test workers never build it at once
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def colab_python(venv: Path = VENV) -> Path:
    """The Colab-like venv's interpreter, made on first use (and again when a version changed)."""
    dists = closure()
    stamp = _stamp(dists)
    python = venv / "bin" / "python"
    with _locked(venv.with_name(venv.name + ".lock")):
        if (venv / "colab-stamp.json").is_file() and (venv / "colab-stamp.json").read_text() == stamp \
                and not _intruders(venv):
            return python
        shutil.rmtree(venv, ignore_errors=True)
        base = Path(getattr(sys, "_base_executable", sys.executable))
        subprocess.run([str(base), "-m", "venv", "--without-pip", str(venv)], check=True)
        site = _site_packages(venv)
        for dist in dists:
            for file in dist.files or []:
                source = Path(dist.locate_file(file))
                if file.parts[0] == ".." or not source.is_file():  # scripts in bin/, or a listed file pip never wrote
                    continue
                _link(source, site / file)
        (venv / "colab-stamp.json").write_text(stamp)
    return python


def overlay(dest: Path, base: Path = VENV) -> Path:
    """A venv layered on the Colab-like one (its site-packages through a .pth file): what a test
    installs goes into the layer, never into the shared venv, so tests can run side by side."""
    colab_python(base)  # made on first use
    interpreter = Path(getattr(sys, "_base_executable", sys.executable))
    subprocess.run([str(interpreter), "-m", "venv", "--without-pip", str(dest)], check=True)
    (_site_packages(dest) / "colab-like.pth").write_text(str(_site_packages(base)) + "\n")
    kernel = dest / "share" / "jupyter" / "kernels" / KERNEL
    kernel.mkdir(parents=True, exist_ok=True)
    layered = dest / "bin" / "python"
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(layered), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab-like", "language": "python"}))
    return layered


def kernel_env(python: Path, data: Path, offline: bool = True) -> dict[str, str]:
    """The environment of a Colab-like kernel: its venv first on PATH, none of this repository's
    settings (no PYTHONPATH, no grading mode), a scratch data folder, and (``offline``) a network
    that refuses every connection."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "NBGRADER_EXECUTION", "COURSE_ROOT", "JPY_SESSION_NAME", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.lower().endswith("_proxy")}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    env["COURSE_DATA"] = str(data)
    if offline:
        for name in ("http_proxy", "https_proxy", "all_proxy"):
            env[name] = env[name.upper()] = UNREACHABLE
        env["no_proxy"] = env["NO_PROXY"] = ""
    return env


def run_notebook(nb: Any, folder: Path, python: Path, env: dict[str, str], timeout: int = 300) -> Any:
    """Execute ``nb`` in the Colab-like kernel with ``folder`` as working folder, every cell even
    after errors (as a student who runs them one by one); returns the executed notebook."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    specs = KernelSpecManager(kernel_dirs=[str(python.parents[1] / "share" / "jupyter" / "kernels")])
    manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)
    client = NotebookClient(nb, km=manager, timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    try:
        return client.execute(env=env, cwd=str(folder))
    finally:  # a client given its kernel manager leaves the kernel running
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)


def pip(python: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "pip", *args], capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)})


def installed_version(python: Path, distribution: str) -> str | None:
    code = ("import importlib.metadata as m\ntry: print(m.version(%r))\nexcept m.PackageNotFoundError: print('')"
            % distribution)
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}).stdout.strip()
    return out or None
