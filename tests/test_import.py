"""bench import: matching by probe id or prompt text, checks, copies, and problem reports by name."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from bench.cli import main
from bench.errors import UserError
from bench.importer import ImportReport, import_videos, normalise_prompt, scan
from bench.store.run import RunStore
from bench.video import read_video, sha256_file
from tests.tinypipes import ramp_frames, write_video_file

RED = "physics.test.red_ball_drop"
BLUE = "physics.test.blue_box_slide"


@pytest.fixture
def folder(tmp_path):
    """A folder of good, misnamed, duplicate, corrupt and ignorable files."""
    d = tmp_path / "exports"
    d.mkdir()
    write_video_file(d / f"{RED}-0.mp4", ramp_frames(6, seed=0))
    write_video_file(d / "A red ball falls onto the floor.-1.mp4", ramp_frames(6, seed=1))   # VBench style
    write_video_file(d / f"{BLUE}-0.gif", ramp_frames(5, seed=2), fps=10)
    write_video_file(d / "a BLUE box slides to a stop-1.webm", ramp_frames(5, seed=3))      # prompt, normalised
    write_video_file(d / f"{RED}-2.mkv", ramp_frames(4, 18, 22, seed=4))                   # odd size, lossless
    # misnamed
    write_video_file(d / "red_ball.mp4", ramp_frames(4, seed=5))
    write_video_file(d / "physics.test.unknown-0.mp4", ramp_frames(4, seed=6))
    write_video_file(d / "A green cube rolls.-0.mp4", ramp_frames(4, seed=7))
    # duplicates: two files for (BLUE, 2)
    write_video_file(d / f"{BLUE}-2.mp4", ramp_frames(4, seed=8))
    write_video_file(d / f"{BLUE}-2.mov", ramp_frames(4, seed=9))
    # corrupt
    (d / f"{RED}-3.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(300))
    write_video_file(d / f"{RED}-4.mp4", ramp_frames(1, seed=10))                          # one frame
    write_video_file(d / f"{RED}-5.mkv", ramp_frames(4, 8, 8, seed=11))                    # 8x8 px
    (d / f"{RED}-6.mp4").write_bytes(b"")                                                   # empty
    # ignorable
    (d / "notes.txt").write_text("made with the vendor's web app")
    (d / ".DS_Store").write_bytes(b"\x00")
    (d / "more").mkdir()
    return d


def _hashes(d):
    return {p.name: (sha256_file(p), p.stat().st_mtime_ns) for p in d.iterdir() if p.is_file()}


def test_normalise_prompt():
    assert normalise_prompt("A red ball falls onto the floor.") == normalise_prompt("a  RED ball -- falls onto the floor")
    assert normalise_prompt("Ｃafé, au lait!") == "café au lait"      # NFKC folds the full-width Ｃ


def test_import_reports_every_file_by_name(tmp_path, folder, tiny_suite):
    before = _hashes(folder)
    store = RunStore.create(tmp_path / "run", {"config": {}})
    rep = import_videos(store, "sora-2", tiny_suite, folder)

    got = {(r["probe_id"], r["sample"]) for r in rep.imported}
    assert got == {(RED, 0), (RED, 1), (BLUE, 0), (BLUE, 1), (RED, 2)}
    unmatched = dict(rep.unmatched)
    assert "lacks the '-<sample>' suffix" in unmatched["red_ball.mp4"]
    assert "no probe of suite physics" in unmatched["physics.test.unknown-0.mp4"]
    assert "A green cube rolls.-0.mp4" in unmatched
    assert {n for n, _ in rep.duplicate} == {f"{BLUE}-2.mp4", f"{BLUE}-2.mov"}
    corrupt = dict(rep.corrupt)
    assert set(corrupt) == {f"{RED}-3.mp4", f"{RED}-4.mp4", f"{RED}-5.mkv", f"{RED}-6.mp4"}
    assert "cannot decode" in corrupt[f"{RED}-3.mp4"] or "no decodable" in corrupt[f"{RED}-3.mp4"]
    assert "1 frame(s)" in corrupt[f"{RED}-4.mp4"]
    assert "8x8 below 16x16" in corrupt[f"{RED}-5.mkv"]
    assert "empty file" in corrupt[f"{RED}-6.mp4"]
    assert {n for n, _ in rep.ignored} == {"notes.txt", ".DS_Store", "more"}
    text = "\n".join(rep.lines())
    for name in list(unmatched) + list(corrupt) + [f"{BLUE}-2.mov"]:
        assert name in text

    # the user's files are untouched
    assert _hashes(folder) == before

    rows = {(r["probe_id"], r["sample"]): r for r in store.video_rows()}
    assert len(rows) == 5
    r = rows[(RED, 1)]
    assert r["source"] == "imported" and r["model"] == "sora-2" and r["random_weights"] is False
    assert r["import"]["matched_by"] == "prompt" and r["import"]["name"] == "A red ball falls onto the floor.-1.mp4"
    original = folder / "A red ball falls onto the floor.-1.mp4"
    assert r["sha256"] == sha256_file(original) == r["import"]["sha256"]       # byte-for-byte copy
    assert r["content_sha256"] == read_video(original).content_hash()
    assert (store.root / r["path"]).read_bytes() == original.read_bytes()
    assert r["card"]["developer"] == "OpenAI" and "seed" not in r
    assert rows[(BLUE, 0)]["path"].endswith(".gif") and rows[(BLUE, 0)]["fps"] == pytest.approx(10, abs=0.5)
    assert rows[(RED, 2)]["width"] == 22 and rows[(RED, 2)]["height"] == 18


def test_reimport_is_a_no_op_and_a_different_file_conflicts(tmp_path, folder, tiny_suite):
    store = RunStore.create(tmp_path / "run", {"config": {}})
    first = import_videos(store, "sora-2", tiny_suite, folder)
    again = import_videos(store, "sora-2", tiny_suite, folder)
    assert again.imported == [] and len(again.already) == len(first.imported)
    other = tmp_path / "other"
    other.mkdir()
    write_video_file(other / f"{RED}-0.mp4", ramp_frames(6, seed=99))
    rep = import_videos(store, "sora-2", tiny_suite, other)
    assert rep.imported == [] and "already holds a different video" in dict(rep.conflict)[f"{RED}-0.mp4"]
    assert len(store.video_rows()) == len(first.imported)


def test_identical_bytes_under_two_names_are_flagged(tmp_path, tiny_suite):
    d = tmp_path / "v"
    d.mkdir()
    write_video_file(d / f"{RED}-0.mp4", ramp_frames(4))
    shutil.copy(d / f"{RED}-0.mp4", d / f"{RED}-1.mp4")
    store = RunStore.create(tmp_path / "run", {"config": {}})
    rep = import_videos(store, "kling-3.0", tiny_suite, d)
    assert len(rep.imported) == 2 and rep.same_content[0][0] == f"{RED}-1.mp4"


def test_ambiguous_prompt_is_not_guessed(tmp_path, tiny_suite):
    from bench.suites import Suite

    probes = [dict(p) for p in tiny_suite.probes]
    probes[1]["prompt"] = probes[0]["prompt"].upper()
    suite = Suite(name="physics", path=tiny_suite.path, probes=probes, sha256="x")
    d = tmp_path / "v"
    d.mkdir()
    write_video_file(d / "a red ball falls onto the floor-0.mp4", ramp_frames(4))
    rep = ImportReport("m", "physics", str(d))
    assert scan(d, suite, rep) == []
    assert "ambiguous" in rep.unmatched[0][1] and RED in rep.unmatched[0][1] and BLUE in rep.unmatched[0][1]


def test_cli_import(tmp_path, folder, tiny_suite, capsys):
    run = tmp_path / "run"
    rc = main(["import", "--model", "veo-3.1", "--videos", str(folder), "--suite", str(tiny_suite.path),
               "--run", str(run), "--json"])
    assert rc == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["matched"] == 5 and len(rep["corrupt"]) == 4
    assert len([json.loads(x) for x in (run / "manifest.jsonl").read_text().splitlines()]) == 5
    # --strict turns the listed problems into a failure (after importing what is good)
    rc = main(["import", "--model", "veo-3.1", "--videos", str(folder), "--suite", str(tiny_suite.path),
               "--run", str(run), "--strict"])
    err = capsys.readouterr().err
    assert rc == 2 and "problem file(s) (--strict)" in err and f"{RED}-3.mp4" in err


def test_cli_import_nothing_matched_fails_and_writes_nothing(tmp_path, tiny_suite, capsys):
    d = tmp_path / "v"
    d.mkdir()
    write_video_file(d / "holiday.mp4", ramp_frames(4))
    run = tmp_path / "run"
    rc = main(["import", "--model", "sora-2", "--videos", str(d), "--suite", str(tiny_suite.path), "--run", str(run)])
    err = capsys.readouterr().err
    assert rc != 0 and "no file matched a probe of suite physics" in err and "holiday.mp4" in err
    assert not run.exists()
    rc = main(["import", "--model", "sora-2", "--videos", str(tmp_path / "absent"), "--suite",
               str(tiny_suite.path), "--run", str(run)])
    assert rc != 0 and "not a folder of videos" in capsys.readouterr().err


def test_bad_model_name(tmp_path, folder, tiny_suite):
    store = RunStore.create(tmp_path / "run", {"config": {}})
    with pytest.raises(UserError, match="plain model name"):
        import_videos(store, "../evil", tiny_suite, folder)


def test_imported_videos_decode_to_what_was_exported(tmp_path, tiny_suite):
    d = tmp_path / "v"
    d.mkdir()
    frames = ramp_frames(5, 20, 24, seed=3)
    write_video_file(d / f"{BLUE}-0.mkv", frames)                   # lossless: pixels survive exactly
    store = RunStore.create(tmp_path / "run", {"config": {}})
    rep = import_videos(store, "pika-2.5", tiny_suite, d)
    v = read_video(store.root / rep.imported[0]["path"])
    assert np.array_equal(v.frames, frames)
