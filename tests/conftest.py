"""Test-wide settings: offline, no network, quiet progress bars, headless plots.

A guard refuses any socket connection that is not to the loopback interface, so a test that
tries to download weights fails at once instead of hanging (papermill's kernels talk over
loopback, which stays allowed).
"""

from __future__ import annotations

import os
import socket

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["BENCH_PROGRESS"] = "0"
os.environ.setdefault("MPLBACKEND", "Agg")
if "BENCH_TINY_DIR" not in os.environ:  # tiny pipelines built by tests never land in results/cache
    import tempfile

    os.environ["BENCH_TINY_DIR"] = tempfile.mkdtemp(prefix="bench-tiny-")
os.environ.pop("RANK", None)
os.environ.pop("WORLD_SIZE", None)
os.environ.pop("SLURM_PROCID", None)
os.environ.pop("SLURM_NTASKS", None)

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address):  # type: ignore[no-untyped-def]
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host not in ("127.0.0.1", "::1", "localhost", "0.0.0.0"):
            raise OSError(f"network access is forbidden in tests (tried {address!r})")
    return _real_connect(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _empty_weights_dir(tmp_path_factory, monkeypatch):
    """Point BENCH_WEIGHTS_DIR at an empty folder unless a test sets its own."""
    d = tmp_path_factory.mktemp("weights")
    monkeypatch.setenv("BENCH_WEIGHTS_DIR", str(d))
    monkeypatch.delenv("BENCH_ALLOW_DOWNLOAD", raising=False)
    yield


@pytest.fixture
def tiny_suite(tmp_path):
    """A two-probe physics suite written to a temp file and loaded through the real loader."""
    import json

    from bench.suites import load_suite_file
    from tests.fixtures_suite import TINY_PROBES

    p = tmp_path / "physics.jsonl"
    p.write_text("".join(json.dumps(x) + "\n" for x in TINY_PROBES))
    return load_suite_file(p)
