"""The oracle generator family and the ``bench render`` command."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from bench.errors import UserError
from bench.generators.base import resolve
from bench.generators.oracle import parse_name, variant_names
from bench.video import read_video
from bench.world import NUISANCES, VIOLATIONS, load_truth, render_probe
from bench.world.truth import Truth
from tests.test_world_probes import drop, occlusion


@pytest.mark.parametrize("name,expected", [
    ("oracle", (None, None)),
    ("oracle+vanish", (("vanish", 1.0), None)),
    ("oracle+late:0.25", (("late", 0.25), None)),
    ("oracle~h264:38", (None, ("h264", 38.0))),
    ("oracle~shake", (None, ("shake", 1.0))),
    ("oracle+swap_colour:0.5~noise:2", (("swap_colour", 0.5), ("noise", 2.0))),
])
def test_model_names(name: str, expected) -> None:
    assert parse_name(name) == expected
    assert resolve(name).info.kind == "oracle"


@pytest.mark.parametrize("name", ["oracle+nope", "oracle~blur", "oracle+vanish:3", "oracle~h264:99",
                                  "oracle+vanish~", "oracle+a+b", "oracle~noise~jitter", "oracle~noise+vanish"])
def test_bad_model_names_list_the_valid_ones(name: str) -> None:
    with pytest.raises(UserError) as e:
        resolve(name)
    msg = str(e.value)
    assert "vanish" in msg and "h264" in msg and "\n" not in msg


def test_variant_names_cover_every_violation_and_nuisance() -> None:
    names = variant_names()
    assert len(names) == 1 + len(VIOLATIONS) + len(NUISANCES)
    for n in names:
        parse_name(n)


def test_supports_needs_a_scene_and_an_applicable_violation() -> None:
    text_only = dict(drop(), scene=None)
    assert resolve("oracle").supports(text_only)[0] is False
    assert resolve("oracle").supports(drop()) == (True, "")
    ok, why = resolve("oracle+late").supports(drop())
    assert not ok and "late" in why
    assert resolve("oracle+late").supports(occlusion()) == (True, "")


def test_generate_returns_video_with_provenance_and_truth_artifacts() -> None:
    gen = resolve("oracle+vanish~jitter:0.05")
    settings = {"frames": 10, "height": 48, "width": 64, "k": 2, "steps": 50}
    v = gen.generate(occlusion(), 7, settings)
    assert v.shape == (10, 48, 64, 3) and v.frames.dtype == np.uint8
    prov = v.provenance
    assert prov["params"] == {"frames": 10, "height": 48, "width": 64, "fps": pytest.approx(10 / 3.0), "k": 2,
                              "jitter": 1.0}                               # 'steps' is not an oracle setting
    assert prov["source"] == "rendered" and prov["model"] == "oracle+vanish~jitter:0.05"
    assert prov["prompt"] == occlusion()["prompt"] and prov["probe_id"] == occlusion()["id"] and prov["seed"] == 7
    assert prov["violation"]["name"] == "vanish" and prov["nuisance"]["name"] == "jitter"
    truth = Truth.from_bytes(prov["artifacts"]["truth.npz"], prov["artifacts"]["truth.json"])
    assert truth.violation == prov["violation"] and truth.k == 2 and truth.T == 10
    json.dumps({k: val for k, val in prov.items() if k != "artifacts"})    # JSON-serialisable provenance
    again = gen.generate(occlusion(), 7, settings)
    assert np.array_equal(again.frames, v.frames)
    other_k = gen.generate(occlusion(), 7, dict(settings, k=3))
    assert not np.array_equal(other_k.frames, v.frames)


def test_default_settings_and_explicit_fps() -> None:
    gen = resolve("oracle")
    assert gen.default_settings() == {"frames": 24, "size": 128}
    v = gen.generate(drop(), 0, {"frames": 6, "size": 32, "fps": 24})
    assert v.fps == 24 and v.provenance["params"]["fps"] == 24
    with pytest.raises(UserError):
        gen.generate(drop(), 0, {"frames": 6, "height": 32})


def _render_args(tmp_path, **kw) -> argparse.Namespace:
    from bench.cli import render

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    render.add_parser(sub)
    argv = ["render", "--suite", str(kw.pop("suite")), "--out", str(tmp_path / "out"), "--frames", "6", "--size", "32"]
    for k, v in kw.items():
        argv += [f"--{k}", str(v)]
    return parser.parse_args(argv)


def _suite_file(tmp_path):
    f = tmp_path / "permanence.jsonl"
    probes = [occlusion(), dict(occlusion(), id="permanence.test.text_only", scene=None)]
    drop_p = drop()
    drop_p.update(id="permanence.test.drop", suite="permanence", category="O5", expect={})
    probes.append(drop_p)
    f.write_text("\n".join(json.dumps(p) for p in probes) + "\n")
    return f


def test_cli_render_writes_videos_and_truth(tmp_path) -> None:
    args = _render_args(tmp_path, suite=_suite_file(tmp_path), violation="vanish", ensemble=2, seed=3)
    assert args.func(args) == 0
    out = tmp_path / "out"
    report = json.loads((out / "render.json").read_text())
    assert report["probes"]["permanence.test.text_only"]["status"] == "skipped"
    assert report["probes"]["permanence.test.occlusion"]["files"] == ["permanence.test.occlusion.k0",
                                                                       "permanence.test.occlusion.k1"]
    for k in (0, 1):
        stem = out / f"permanence.test.occlusion.k{k}"
        video = read_video(f"{stem}.mkv")                                   # lossless: bit-exact frames
        direct = render_probe(occlusion(), 3, frames=6, size=32, k=k, violation="vanish")[0]
        assert np.array_equal(video.frames, direct.frames)
        truth = load_truth(stem)
        assert video.T == truth.T == 6 and truth.violation["name"] == "vanish" and truth.k == k
        assert (stem.parent / f"{stem.name}.mp4").exists()
    assert not list(out.glob(".tmp-*"))                                     # nothing half-written


def test_cli_render_user_errors(tmp_path) -> None:
    suite = _suite_file(tmp_path)
    for kw in ({"violation": "nope"}, {"nuisance": "h264:200"}, {"limit": 0}, {"ensemble": 0}):
        args = _render_args(tmp_path, suite=suite, **kw)
        with pytest.raises(UserError):
            args.func(args)
    args = _render_args(tmp_path, suite=suite, violation="count_change")
    with pytest.raises(UserError, match="nothing to render"):
        args.func(args)
