"""Downloads are checked for content before a hash is locked; unpinned re-fetches follow the commit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bench.errors import WeightsMissing
from bench.weights import registry as wreg
from bench.weights.registry import WeightsChecksumError
from tests.test_weights_registry import dirs, entry_factory  # noqa: F401

PAGE = b"  <!DOCTYPE html><html><head><title>429 Too Many Requests</title></head></html>"


class _Resp(io.BytesIO):
    def __init__(self, data: bytes, headers: dict):
        super().__init__(data)
        self.headers = headers


@pytest.fixture
def online(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)


@pytest.mark.parametrize("data, headers, why", [
    (PAGE, {"Content-Type": "text/html; charset=utf-8"}, "HTML page"),
    (PAGE, {}, "HTML page"),                                      # no header: the bytes give it away
    (b"", {}, "empty"),
    (b"\x80\x02weights", {"Content-Length": "4096"}, "truncated"),
    (b"\x80\x02weights", {}, "smaller than"),                     # below the entry's min_bytes
])
def test_a_url_download_that_is_not_the_weight_is_refused_and_nothing_locked(
        data, headers, why, entry_factory, dirs, online, monkeypatch):  # noqa: F811
    import urllib.request

    e = entry_factory(kind="file", source="https://example.org/w.pt", filename="w.pt", min_bytes=1000)
    monkeypatch.setattr(urllib.request, "urlopen", lambda req, timeout=None: _Resp(data, headers))
    with pytest.raises(WeightsMissing, match=why):
        wreg.fetch([e.name])
    assert e.name not in wreg.read_lock()
    assert not (dirs["weights"] / e.name / "w.pt").exists()
    # the real file then fetches and locks normally
    good = b"\x80\x02" + bytes(2000)
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda req, timeout=None: _Resp(good, {"Content-Length": str(len(good)),
                                                               "Content-Type": "application/octet-stream"}))
    wreg.fetch([e.name])
    assert wreg.read_lock()[e.name]["files"]["w.pt"] == wreg.sha256_of(dirs["weights"] / e.name / "w.pt")


def _fake_hub(monkeypatch, commits: list[tuple[str, bytes]]):
    """_download_hub replaced: each call writes the next commit's file and returns that commit."""
    calls = iter(commits)

    def fake(entry, target: Path):
        commit, data = next(calls)
        (target / "config.json").write_bytes(data)
        return target, commit

    monkeypatch.setattr(wreg, "_download_hub", fake)


def test_unpinned_refetch_records_the_new_commit(entry_factory, dirs, online, monkeypatch):  # noqa: F811
    e = entry_factory(kind="hf_repo", source="owner/repo", revision="")
    _fake_hub(monkeypatch, [("a" * 40, b"{\"v\": 1}"), ("b" * 40, b"{\"v\": 2}")])
    wreg.fetch([e.name])
    first = wreg.read_lock()[e.name]
    assert first["revision"] == "a" * 40
    (dirs["weights"] / e.name / "config.json").unlink()  # the new commit's files replace the old ones
    wreg.fetch([e.name])                                 # used to fail: new files vs the old commit's hashes
    rec = wreg.read_lock()[e.name]
    assert rec["revision"] == "b" * 40 and rec["previous_revision"] == "a" * 40
    assert rec["files"]["config.json"] != first["files"]["config.json"]


def test_pinned_entry_still_refuses_changed_files(entry_factory, dirs, online, monkeypatch):  # noqa: F811
    e = entry_factory(kind="hf_repo", source="owner/repo2", revision="c" * 40)
    _fake_hub(monkeypatch, [("c" * 40, b"{\"v\": 1}"), ("c" * 40, b"{\"v\": 666}")])
    wreg.fetch([e.name])
    with pytest.raises(WeightsChecksumError):
        wreg.fetch([e.name])
