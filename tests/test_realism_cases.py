"""Realistic clips the probe checks must judge as a careful viewer does.

Each folder of ``tests/data/realism/`` holds one short rendered clip (perspective camera,
shading, soft shadows, textured floors, motion blur, sensor noise, H.264), the probe line a
user would honestly write for it (``probe.jsonl``) and the viewer's verdict per check
(``expected.json``).  The ``NN_*`` folders are the project's shared realism cases (one failure
kind each); the ``xNN_*`` folders are further scenes of the same kinds, rendered by
``tools/realism_cases.py``.  Every clip is scored in-process through the real pipeline
(decode, shared analysis, each check) and every verdict must match.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench.metrics.base import METRICS, Sample
from bench.metrics.probes.analysis import clear_cache
from bench.suites.schema import validate_probe
from bench.video import read_video

ROOT = Path(__file__).parent / "data" / "realism"
CASES = sorted(p.name for p in ROOT.iterdir() if (p / "expected.json").is_file())


def score_case(name: str) -> dict[str, tuple[str, str]]:
    """{check: (verdict, reason)} for one case folder."""
    folder = ROOT / name
    probe = json.loads((folder / "probe.jsonl").read_text().splitlines()[0])
    assert validate_probe(probe, probe["suite"]) == []
    (clip,) = folder.glob("*.mp4")
    video = read_video(clip)
    sample = Sample("case", probe["id"], 0, probe["prompt"], probe)
    clear_cache()
    out = {}
    for check in json.loads((folder / "expected.json").read_text())["verdicts"]:
        m = METRICS.get(check)()
        assert m.applies(sample), check
        v = m.compute(video, sample)
        assert (v.verdict == "setup_failed") == math.isnan(v.value)
        out[check] = (v.verdict, v.reason)
    clear_cache()
    return out


def test_there_are_cases():
    assert len(CASES) >= 12


@pytest.mark.parametrize("name", CASES)
def test_case_verdicts_match_the_viewer(name: str):
    want = json.loads((ROOT / name / "expected.json").read_text())["verdicts"]
    got = score_case(name)
    wrong = {m: got[m] for m in want if got[m][0] != want[m]}
    assert not wrong, f"{name}: {wrong}"


def test_teleport_in_blurred_flight_is_named_at_its_frames():
    got = score_case("02b_motion_blur_fast_toss_teleport")
    verdict, reason = got["probe.continuity"]
    assert verdict == "fail" and "between frames 10 and 11" in reason, reason


def test_honest_lines_with_new_colour_words_validate():
    for name in ("04a_white_ball_on_dark_floor", "04b_navy_box_and_black_ball_on_light_floor"):
        probe = json.loads((ROOT / name / "probe.jsonl").read_text().splitlines()[0])
        assert validate_probe(probe, probe["suite"]) == []
        assert {o["colour"] for o in probe["objects"]} & {"white", "navy", "black"}
