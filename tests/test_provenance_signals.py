"""Provenance signals: C2PA credentials on every written video, tamper detection, reading user
files (import, ``bench provenance``), the DWT-DCT watermark."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.cli import main
from bench.credentials import TEST_SIGNER, _make_test_chain, read_credentials, sidecar_path
from bench.errors import UserError
from bench.video import Video, encode_bytes_h264, write_video
from bench.watermark import binomial_tail, default_payload, detect, embed, psnr
from tests.tinypipes import ramp_frames, write_video_file

RED = "physics.test.red_ball_drop"


@pytest.fixture(autouse=True)
def _chain_dir(tmp_path_factory, monkeypatch):
    d = tmp_path_factory.getbasetemp() / "c2pa-chain"   # one local test chain for the session
    monkeypatch.setenv("BENCH_C2PA_DIR", str(d))
    monkeypatch.delenv("BENCH_C2PA_CERT", raising=False)
    monkeypatch.delenv("BENCH_C2PA_KEY", raising=False)


def _video(source="generated", seed=0):
    return Video(ramp_frames(6, 32, 48, seed=seed), 8.0,
                 {"model": "tiny-gen", "prompt": "A red ball falls.", "seed": 7, "source": source,
                  "revision": "abc123", "suite": "physics"})


def _flip(path, offset_from_end=200):
    data = bytearray(path.read_bytes())
    i = len(data) - offset_from_end if path.suffix == ".mkv" else data.find(b"mdat") + 64
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_written_video_carries_valid_credentials(tmp_path, ext):
    p = tmp_path / f"v{ext}"
    info = write_video(_video(), p, lossless=ext == ".mkv")
    assert info["signer"] == TEST_SIGNER
    assert info["manifest"] == ("embedded" if ext == ".mp4" else "sidecar v.c2pa")
    c = read_credentials(p)
    assert c["present"] and c["valid"] and not c["trusted"] and c["failures"] == []
    assert c["state"] == "Valid"            # structurally valid, signer untrusted
    assert c["digital_source_type"] == "trainedAlgorithmicMedia" and c["ai_generated"] is True
    assert c["actions"] == ["c2pa.created"]
    assert c["claim_generator"].startswith("bench")
    assert c["bench"]["generator"] == "tiny-gen" and c["bench"]["seed"] == 7 and c["bench"]["revision"] == "abc123"
    import hashlib
    assert c["bench"]["prompt_sha256"] == hashlib.sha256(b"A red ball falls.").hexdigest()
    assert (ext == ".mkv") == sidecar_path(p).is_file()


def test_render_source_type_is_algorithmic_media(tmp_path):
    write_video(_video("rendered"), tmp_path / "r.mp4", lossless=False)
    c = read_credentials(tmp_path / "r.mp4")
    assert c["digital_source_type"] == "algorithmicMedia" and c["ai_generated"] is False and c["synthetic"] is True


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_one_flipped_byte_fails_validation(tmp_path, ext):
    p = tmp_path / f"v{ext}"
    write_video(_video(), p, lossless=ext == ".mkv")
    _flip(p)
    c = read_credentials(p)
    assert c["present"] and not c["valid"]
    assert any("mismatch" in f for f in c["failures"]), c["failures"]


def test_file_without_credentials_says_so(tmp_path):
    p = write_video_file(tmp_path / "plain.mp4", ramp_frames(4))
    assert read_credentials(p) == {"present": False}
    w = write_video_file(tmp_path / "plain.webm", ramp_frames(4))
    c = read_credentials(w)
    assert c["present"] is False and "not supported" in c["note"]
    with pytest.raises(UserError, match="not a regular file"):
        read_credentials(tmp_path)


def test_configured_signer(tmp_path, monkeypatch):
    chain, key = _make_test_chain()
    (tmp_path / "c.pem").write_bytes(chain)
    (tmp_path / "k.pem").write_bytes(key)
    monkeypatch.setenv("BENCH_C2PA_CERT", str(tmp_path / "c.pem"))
    monkeypatch.setenv("BENCH_C2PA_KEY", str(tmp_path / "k.pem"))
    info = write_video(_video(), tmp_path / "v.mp4", lossless=False)
    assert info["signer"] == "configured: c.pem"
    assert read_credentials(tmp_path / "v.mp4")["valid"]
    monkeypatch.delenv("BENCH_C2PA_KEY")
    with pytest.raises(UserError, match="set together"):
        write_video(_video(), tmp_path / "w.mp4", lossless=False)


def test_run_store_records_credentials_and_watermark(tmp_path, monkeypatch):
    from bench.store.run import RunStore

    monkeypatch.setenv("BENCH_WATERMARK", "1")
    store = RunStore.create(tmp_path / "run", {"config": {}})
    v = Video(ramp_frames(6, 64, 64, seed=3), 8.0, {"source": "rendered"})
    row = store.add_video({"model": "oracle", "suite": "physics", "probe_id": RED, "sample": 0,
                           "seed": 11, "prompt": "A red ball falls."}, v)
    assert row["credentials"]["video"]["manifest"].startswith("sidecar")
    assert row["credentials"]["preview"]["manifest"] == "embedded"
    for rel in (row["path"], row["preview"]):
        c = read_credentials(store.root / rel)
        assert c["valid"] and c["bench"]["suite"] == "physics" and c["bench"]["probe_id"] == RED
    assert row["watermark"]["detected"] and row["watermark"]["payload"] == "24e5c898"
    from bench.video import read_video
    assert detect(read_video(store.root / row["path"]).frames)["detected"]


def test_import_records_credentials(tmp_path, tiny_suite):
    from bench.importer import import_videos
    from bench.store.run import RunStore

    d = tmp_path / "exports"
    d.mkdir()
    write_video(Video(ramp_frames(6, 32, 32, seed=1), 8.0, {"model": "vendor"}), d / f"{RED}-0.mp4", lossless=False)
    write_video_file(d / f"{RED}-1.mp4", ramp_frames(6, seed=2))
    store = RunStore.create(tmp_path / "run", {"config": {}})
    rep = import_videos(store, "sora-2", tiny_suite, d)
    rows = {r["sample"]: r for r in rep.imported}
    assert rows[0]["credentials"]["present"] and rows[0]["credentials"]["valid"]
    assert rows[0]["credentials"]["digital_source_type"] == "trainedAlgorithmicMedia"
    assert rows[0]["signals"]["container_tag"]["present"]
    assert rows[1]["credentials"] == {"present": False}
    assert rows[1]["signals"]["container_tag"] == {"present": False}
    on_disk = {r["sample"]: r for r in store.rows()}
    assert on_disk[0]["credentials"]["valid"] and on_disk[1]["credentials"]["present"] is False


def test_cli_provenance(tmp_path, capsys):
    p = tmp_path / "v.mp4"
    write_video(_video(), p, lossless=False)
    plain = write_video_file(tmp_path / "plain.webm", ramp_frames(4))
    rc = main(["provenance", str(p), str(plain), str(tmp_path), str(tmp_path / "nope.mp4")])
    out, err = capsys.readouterr()
    assert rc == 1
    assert "valid (signer not on a trust list" in out and "trainedAlgorithmicMedia" in out
    assert "plain.webm:\n  container tag   none\n  C2PA            none" in out
    errs = err.strip().splitlines()
    assert len(errs) == 2 and all(e.startswith("bench: error: ") for e in errs)
    assert "not a regular file" in errs[0] and "file not found" in errs[1]
    assert main(["provenance", "--json", "--no-watermark", str(p)]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["c2pa"]["valid"] and "watermark" not in rec


def test_watermark_round_trip_and_false_positives():
    f = ramp_frames(8, 64, 96, seed=5)
    g = embed(f)
    assert psnr(f, g) > 38.0
    assert np.abs(g.astype(int) - f.astype(int)).max() <= 4
    hit = detect(g)
    assert hit["detected"] and hit["bit_accuracy"] == 1.0 and hit["decoded"] == "24e5c898"
    assert hit["p_value"] == pytest.approx(2 * 0.5 ** 32)
    # independent check of the binomial tail: P(X >= 30), X ~ Bin(32, 1/2) = (496 + 32 + 1) / 2^32
    assert binomial_tail(30, 32) == pytest.approx(529 / 2 ** 32, rel=1e-12)
    fp = [detect(ramp_frames(4, 64, 64, seed=s))["detected"] for s in range(20)]
    assert not any(fp)
    # on smooth content it survives a moderate H.264 re-encode (the colour-range offset is
    # estimated, see the module docstring); ramp_frames' per-pixel noise channel would not
    from scipy.ndimage import gaussian_filter
    rng = np.random.default_rng(1)
    smooth = (gaussian_filter(rng.random((8, 96, 96, 3)), (0, 6, 6, 0)) * 600 - 170).clip(0, 255).astype(np.uint8)
    h = encode_bytes_h264(Video(embed(smooth), 8.0), crf=23).frames
    assert detect(h)["detected"] and not detect(encode_bytes_h264(Video(smooth, 8.0), crf=23).frames)["detected"]
    assert len(default_payload()) == 32


def test_model_table_signal_summaries():
    from bench.signals import claimed_summary, observed_summary

    assert claimed_summary("sora-2") == "visible watermark; C2PA metadata"      # models/sora-2.yaml
    assert claimed_summary("kling-3.0") == "unknown (card)"
    assert claimed_summary("oracle+vanish:0.5") == "— (no card)"
    made = [{"source": "rendered", "credentials": {"video": {"manifest": "sidecar"}},
             "watermark": {"detected": True}}, {"source": "rendered", "credentials": {"video": None}}]
    assert observed_summary(made) == "C2PA 1/2 (1 valid); tag 2/2; watermark 1/2"
    imported = [{"source": "imported", "credentials": {"present": True, "valid": False},
                 "signals": {"container_tag": {"present": False}, "watermark": {"detected": False}}},
                {"source": "imported", "credentials": {"present": False}}]
    assert observed_summary(imported) == "C2PA 1/2 (0 valid); tag 0/1; watermark 0/1"
    assert observed_summary([]) == "—"
