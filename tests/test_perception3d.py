"""Perception on the 3-D oracle world's renders: faults of a kind found on clean 3-D videos.

Each test renders one small 3-D probe (PyBullet, the shipped suite's probe line) and scores it
through the real checks, so the fault's whole kind is exercised, not one video."""

from __future__ import annotations

import numpy as np
import pytest

from bench.metrics.base import METRICS, Sample
from bench.metrics.probes.analysis import analyse, clear_cache
from bench.suites import load_suite

pytest.importorskip("pybullet")
from bench.world3d import render_probe3d  # noqa: E402

KW = {"frames": 24, "size": 96}


def _score(probe: dict, video, checks: list[str]) -> dict[str, tuple[str, str]]:
    s = Sample("oracle3d", probe["id"], 0, probe["prompt"], probe)
    clear_cache()
    out = {c: METRICS.get(c)().compute(video, s) for c in checks}
    clear_cache()
    return {c: (v.verdict, v.reason) for c, v in out.items()}


@pytest.fixture(scope="module")
def wall_probe() -> dict:
    return load_suite("permanence").by_id["permanence.occlusion.red_ball_grey_wall"]


def test_a_grey_screen_on_a_tinted_textured_wall_is_cover(wall_probe):
    """The tiled wall's grey spans the screen's grey (grey alone sees no cover); its chroma does not."""
    video, _ = render_probe3d(wall_probe, 7, **KW)
    clear_cache()
    sc = analyse(video, wall_probe).scene
    clear_cache()
    assert sc.chroma is not None and np.isfinite(sc.delta_c)
    occ = np.mean([sc.occluding(t) for t in range(len(sc.cover))], axis=0) > 0.5
    h, w = occ.shape
    assert 0.01 * h * w < occ.sum() < 0.25 * h * w       # the screen, not the wall nor the floor
    assert not occ[: h // 8].any()                        # the wall's top rows are backdrop


def test_passing_behind_a_screen_is_hidden_and_vanishing_in_the_open_is_not(wall_probe):
    checks = ["probe.reappearance", "probe.spurious"]
    clean = _score(wall_probe, render_probe3d(wall_probe, 7, **KW)[0], checks)
    assert clean["probe.reappearance"][0] == "pass", clean
    assert "vanishes in the open" not in clean["probe.spurious"][1], clean
    gone = _score(wall_probe, render_probe3d(wall_probe, 7, violation="vanish", **KW)[0], checks)
    assert gone["probe.reappearance"][0] == "fail", gone


def test_wall_texture_flickering_into_a_colour_word_is_not_a_spurious_object():
    """A tinted, noisy wall's patches cross into "grey" frame by frame; they are the static scene."""
    probe = load_suite("permanence").by_id["permanence.spurious.red_blue_pass"]
    video, _ = render_probe3d(probe, 8282913279082569547, frames=24, size=128)
    got = _score(probe, video, ["probe.spurious"])
    assert "never mentions" not in got["probe.spurious"][1], got
