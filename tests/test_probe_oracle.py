"""The probe checks on oracle renders of real probes from ``prompts/``.

For one representative probe per check: the clean render passes, the controlled violation the
check targets (``bench.world.violations``) fails with a reason, and default-level nuisances
(H.264, resize, fps resampling, camera shake, colour jitter, sensor noise, backdrop texture)
leave the verdict at pass.  Renders are the oracle's defaults (24 frames, 128 x 128, seed 0).
"""

from __future__ import annotations

import pytest

from bench.metrics.base import METRICS, Sample
from bench.metrics.probes.analysis import clear_cache
from bench.suites import load_suite
from bench.world.pipeline import render_probe

#: check -> (suite, probe id, violation it targets, words the failing reason contains)
CASES = {
    "probe.gravity": ("physics", "physics.freefall.red_ball_drop", "gravity_reversed", "upward"),
    "probe.bounce": ("physics", "physics.bounce.red_ball_in_place", "energy_gain", "energy gained"),
    "probe.continuity": ("physics", "physics.throw.horizontal_pink", "teleport", "pink ball"),
    "probe.rigidity": ("physics", "physics.rigid.red_box_slides", "swap_shape", "shape"),
    "probe.collision": ("physics", "physics.collision.red_hits_resting_blue", "interpenetrate", "never reaches"),
    "probe.friction": ("physics", "physics.friction.green_box_pushed", "freeze_object", "halts"),
    "probe.support": ("physics", "physics.support.three_boxes_rest", "flicker", "vanishes"),
    "probe.reappearance": ("permanence", "permanence.occlusion.yellow_ring_slow_wide_screen", "late", "late"),
    "probe.containment": ("permanence", "permanence.containment.red_ball_blue_cup_slides_right", "vanish", "gone"),
    "probe.count": ("permanence", "permanence.count.three_red_balls_sweep", "count_change", "after"),
    "probe.spurious": ("permanence", "permanence.occlusion.red_ball_grey_wall", "flicker", "vanishes in the open"),
    "probe.attributes": ("identity", "identity.attributes.red_ball_rolls", "swap_colour", "turns into"),
    "probe.crossing": ("identity", "identity.cross.red_ball_blue_ball", "swap_colour", "turns into"),
}
NUISANCES = ("h264", "resize", "fps", "shake", "jitter", "noise", "texture")


def _probe(suite: str, pid: str) -> dict:
    s = load_suite(suite)
    if pid not in s.by_id:
        pytest.skip(f"probe {pid} is not in prompts/{suite}.jsonl")
    return s.by_id[pid]


def _verdict(check: str, p: dict, **render):
    clear_cache()
    video, _ = render_probe(p, 0, **render)
    s = Sample("oracle", p["id"], 0, p["prompt"], p)
    m = METRICS.get(check)()
    assert m.applies(s), f"{check} does not apply to {p['id']}"
    return m.compute(video, s)


@pytest.mark.parametrize("check", sorted(CASES))
def test_clean_passes_and_targeted_violation_fails(check):
    suite, pid, violation, words = CASES[check]
    p = _probe(suite, pid)
    clean = _verdict(check, p)
    assert clean.verdict == "pass", clean.reason
    bad = _verdict(check, p, violation=violation)
    assert bad.verdict == "fail", f"{violation}: {bad.reason}"
    assert bad.value < clean.value
    assert words in bad.reason, bad.reason


@pytest.mark.parametrize("nuisance", NUISANCES)
def test_nuisances_keep_clean_verdicts(nuisance):
    # every check of two probes that together use most checks
    for suite, pid in (("physics", "physics.bounce.red_ball_in_place"),
                       ("permanence", "permanence.occlusion.red_ball_grey_wall")):
        p = _probe(suite, pid)
        for check in (c for c in p["checks"] if c.startswith("probe.")):
            out = _verdict(check, p, nuisance=nuisance)
            assert out.verdict == "pass", f"{pid} {check} under {nuisance}: {out.reason}"
