"""The weights registry: resolution order, checksums, the lock file, offline messages."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import pytest

from bench.errors import UserError, WeightsMissing
from bench.weights import registry as wreg
from bench.weights.registry import WeightEntry, WeightsChecksumError

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CONTENT = b"tiny weights\n"
SHA = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture
def entry_factory():
    """Register test entries and remove them afterwards (the registry is process-global)."""
    made = []

    def make(**kw) -> WeightEntry:
        kw.setdefault("name", f"test-weight-{len(made)}")
        e = wreg.register(WeightEntry(**kw))
        made.append(e.name)
        return e

    yield make
    for n in made:
        wreg._unregister(n)


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    wdir = tmp_path / "weights"
    monkeypatch.setenv("BENCH_WEIGHTS_DIR", str(wdir))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    wreg._HASH_MEMO.clear()
    return {"weights": wdir, "torch": tmp_path / "torch" / "hub" / "checkpoints", "hf": tmp_path / "hf",
            "tmp": tmp_path}


def _write(p: Path, data: bytes = CONTENT) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def test_register_get_entries(entry_factory):
    e = entry_factory(kind="file", source="https://example.org/w.bin", filename="w.bin")
    assert wreg.get(e.name) is e
    with pytest.raises(ValueError, match="duplicate"):
        wreg.register(WeightEntry(name=e.name, kind="file", source="https://x/y", filename="y"))
    with pytest.raises(UserError, match="unknown weight 'no-such-weight'"):
        wreg.get("no-such-weight")
    names = [x.name for x in wreg.entries()]
    assert names == sorted(names) and e.name in names
    with pytest.raises(ValueError):
        WeightEntry(name="bad", kind="zip", source="x")
    with pytest.raises(ValueError):
        WeightEntry(name="bad", kind="file", source="https://x/y")  # no filename


def test_catalogue_has_the_real_entries():
    for name in ("i3d-styleganv-torchscript", "i3d-pretrained-400", "clip-vit-base-patch32", "clip-vit-large-patch14",
                 "torchvision-alexnet", "raft-small", "raft-large", "dinov2-small"):
        e = wreg.get(name)
        assert e.source and e.licence and e.size and e.used_by, name
    assert wreg.get("i3d-styleganv-torchscript").filename == "i3d_torchscript.pt"
    assert wreg.get("clip-vit-base-patch32").source == "openai/clip-vit-base-patch32"
    # torchvision publishes the sha256 prefix in the file name
    alex = wreg.get("torchvision-alexnet")
    assert alex.sha256[alex.filename] == "7be5be79" and "7be5be79" in alex.filename


def test_resolution_order_file(entry_factory, dirs):
    e = entry_factory(kind="file", source="https://example.org/models/w.bin", filename="w.bin", used_by=("m.x",))
    explicit = _write(dirs["tmp"] / "elsewhere" / "w.bin")
    in_dir = _write(dirs["weights"] / e.name / "w.bin")
    in_torch = _write(dirs["torch"] / "w.bin")
    # 1. explicit path (a file, or a folder holding it)
    assert wreg.resolve(e.name, explicit) == explicit
    assert wreg.resolve(e.name, explicit.parent) == explicit
    # 2. $BENCH_WEIGHTS_DIR/<name>/
    assert wreg.resolve(e.name) == in_dir
    in_dir.unlink()
    # 3. the torch hub cache for URL sources
    assert wreg.resolve(e.name) == in_torch
    ok, why = wreg.status(e.name)
    assert ok and "torch hub cache" in why
    in_torch.unlink()
    with pytest.raises(WeightsMissing):
        wreg.resolve(e.name)
    # an explicit path that does not exist is an error, not a fallback
    _write(dirs["weights"] / e.name / "w.bin")
    with pytest.raises(WeightsMissing, match="given path"):
        wreg.resolve(e.name, dirs["tmp"] / "nope.bin")


def test_resolution_hf_cache_at_pinned_revision(entry_factory, dirs):
    rev = "a" * 40
    e = entry_factory(kind="hf_repo", source="testorg/tiny", revision=rev,
                      allow_patterns=("config.json", "model.safetensors|pytorch_model.bin", "*.txt"))
    snap = dirs["hf"] / "models--testorg--tiny" / "snapshots" / rev
    _write(snap / "config.json", b"{}")
    with pytest.raises(WeightsMissing, match="not found"):
        wreg.resolve(e.name)  # incomplete snapshot: no weights file
    _write(snap / "pytorch_model.bin")  # the second alternative is enough
    assert wreg.resolve(e.name) == snap
    # a complete folder in BENCH_WEIGHTS_DIR comes first
    local = dirs["weights"] / e.name
    _write(local / "config.json", b"{}")
    _write(local / "model.safetensors")
    assert wreg.resolve(e.name) == local
    # another revision in the cache is not used
    e2 = entry_factory(kind="hf_repo", source="testorg/tiny", revision="b" * 40,
                       allow_patterns=("config.json", "model.safetensors|pytorch_model.bin"))
    assert not wreg.status(e2.name)[0]


def test_checksum_verified_and_mismatch_reported(entry_factory, dirs):
    good = entry_factory(kind="file", source="https://example.org/g.bin", filename="g.bin", sha256={"g.bin": SHA})
    pref = entry_factory(kind="file", source="https://example.org/p.bin", filename="p.bin", sha256={"": SHA[:8]})
    p = _write(dirs["weights"] / good.name / "g.bin")
    assert wreg.resolve(good.name) == p
    _write(dirs["weights"] / pref.name / "p.bin")
    wreg.resolve(pref.name)  # an 8-hex prefix (torchvision style) is checked as a prefix
    _write(dirs["weights"] / good.name / "g.bin", b"tampered\n")
    with pytest.raises(WeightsChecksumError) as ei:
        wreg.resolve(good.name)
    msg = str(ei.value)
    assert "\n" not in msg and good.name in msg and "sha256 mismatch" in msg
    assert f"bench weights fetch {good.name}" in msg
    assert isinstance(ei.value, WeightsMissing)
    # status() does not hash, but remembers a mismatch it has seen
    assert wreg.status(good.name)[0] is False
    rows = wreg.verify(good.name)
    assert rows and rows[0][2] is False


def test_missing_message_offline(entry_factory, dirs):
    e = entry_factory(kind="file", source="https://example.org/big.pt", filename="big.pt", size="51 MB",
                      used_by=("fvd.i3d",))
    with pytest.raises(WeightsMissing) as ei:
        wreg.resolve(e.name, needed_by="fvd.i3d")
    msg = str(ei.value)
    assert "\n" not in msg
    for part in (repr(e.name), "needed by fvd.i3d", "looked in", str(dirs["weights"] / e.name),
                 f"`bench weights fetch {e.name}` on a machine with a network",
                 f"put big.pt in {dirs['weights'] / e.name}/", "offline"):
        assert part in msg, part
    ok, why = wreg.status(e.name)
    assert not ok and f"bench weights fetch {e.name}" in why and "\n" not in why
    # allow_download does not override offline mode
    with pytest.raises(WeightsMissing):
        wreg.resolve(e.name, allow_download=True)
    with pytest.raises(WeightsMissing, match="offline"):
        wreg.fetch([e.name])


def test_lock_records_then_verifies(entry_factory, dirs):
    e = entry_factory(kind="file", source="https://example.org/t.bin", filename="t.bin")
    p = _write(dirs["weights"] / e.name / "t.bin")
    rows = wreg.verify(e.name)
    assert rows == [(e.name, "t.bin", True, rows[0][3])] and "recorded" in rows[0][3]
    lock = json.loads((dirs["weights"] / wreg.LOCK_NAME).read_text())
    assert lock[e.name]["files"]["t.bin"] == SHA
    assert wreg.resolve(e.name) == p
    _write(p, b"changed\n")
    with pytest.raises(WeightsChecksumError, match="lock"):
        wreg.resolve(e.name)


def test_fetch_url_downloads_verifies_and_locks(entry_factory, dirs, monkeypatch):
    """The download path with the network replaced by an in-memory response."""
    import urllib.request

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    e = entry_factory(kind="file", source="https://example.org/d.bin?dl=1", filename="d.bin")
    seen = []

    def fake_urlopen(req, timeout=None):
        seen.append(req.full_url)
        return io.BytesIO(CONTENT)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    # resolve() does not download unless allowed
    with pytest.raises(WeightsMissing, match="BENCH_ALLOW_DOWNLOAD"):
        wreg.resolve(e.name)
    assert seen == []
    p = wreg.resolve(e.name, allow_download=True)
    assert p == dirs["weights"] / e.name / "d.bin" and p.read_bytes() == CONTENT
    assert seen == ["https://example.org/d.bin?dl=1"]
    assert wreg.read_lock()[e.name]["files"]["d.bin"] == SHA
    # a published checksum that does not match fails the fetch
    bad = entry_factory(kind="file", source="https://example.org/b.bin", filename="b.bin", sha256={"b.bin": "0" * 64})
    with pytest.raises(WeightsChecksumError):
        wreg.fetch([bad.name])
