"""Each violation changes exactly what its record claims, in the ground truth, and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from bench.errors import UserError
from bench.suites.palette import OBJECT_COLOURS
from bench.world import VIOLATIONS, applicable, render_probe
from bench.world.truth import Truth
from tests.test_world_probes import drop, occlusion, sweep

#: violation -> the probe it is tested on
CASES = {
    "vanish": occlusion, "late": occlusion, "early": occlusion, "displaced": occlusion,
    "swap_colour": occlusion, "swap_shape": occlusion, "teleport": occlusion, "flicker": occlusion,
    "freeze_object": occlusion, "freeze_video": occlusion, "interpenetrate": occlusion,
    "gravity_reversed": lambda: drop(e=0.7), "gravity_scaled": lambda: drop(e=0.7),
    "energy_gain": lambda: drop(e=0.7), "count_change": sweep,
}
KW = {"frames": 24, "size": 96}


def render(p: dict, violation: str | None = None, seed: int = 5) -> Truth:
    return render_probe(p, seed, violation=violation, **KW)[1]


def diff(a: Truth, b: Truth) -> np.ndarray:
    """(N, T) bool: trajectory, existence, drawn colour, shape or opacity differ (computed here,
    independently of the pipeline's own bookkeeping)."""
    same_pos = (np.isclose(a.world, b.world, rtol=0, atol=1e-9) | (np.isnan(a.world) & np.isnan(b.world))).all(-1)
    d = ~same_pos | (a.exists != b.exists) | (a.opacity != b.opacity) | (a.rgb != b.rgb).any(-1)
    d |= np.array(a.shape) != np.array(b.shape)
    d |= np.array(a.colour) != np.array(b.colour)
    return d | (a.shape_mix != b.shape_mix)


def test_every_violation_has_a_test_case_and_ten_exist() -> None:
    assert set(CASES) == set(VIOLATIONS) and len(VIOLATIONS) >= 10
    for v in VIOLATIONS.values():
        assert 0 < v.default <= 1 and v.checks and all(c.startswith("probe.") for c in v.checks)


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_violation_changes_exactly_what_it_records(name: str) -> None:
    p = CASES[name]()
    assert applicable(p, name) == (True, "")
    clean, bad = render(p), render(p, name)
    r = bad.violation
    assert r["name"] == name and r["magnitude"] == VIOLATIONS[name].default
    assert r["checks"] == list(VIOLATIONS[name].checks) and r["description"]
    d = diff(clean, bad)
    changed = [n for k, n in enumerate(clean.names) if d[k].any()]
    assert changed and set(changed) == set(r["objects"])
    f0, f1 = r["frames"]
    frames = np.flatnonzero(d.any(0) | (clean.world_times != bad.world_times))
    assert frames[0] == f0 and frames[-1] <= f1                  # starts where it says, stays inside
    # the named target is among the changed objects (count_change names what it removed)
    assert r["object"] in changed or set(r["details"].get("removed", [])) <= set(changed)
    # bystanders: identical annotations (trajectory, identity, amodal masks)
    for k, n in enumerate(clean.names):
        if n not in changed:
            assert np.array_equal(clean.amodal[k], bad.amodal[k])
            assert clean.colour[k] == bad.colour[k] and clean.shape[k] == bad.shape[k]
    # the annotations stay self-consistent
    assert not (bad.amodal & ~bad.exists[..., None, None]).any()
    assert not (bad.visible & ~bad.amodal).any()
    assert np.isnan(bad.world[~bad.exists]).all() and not np.isnan(bad.world[bad.exists]).any()


def test_vanish_ends_the_amodal_path_behind_the_occluder() -> None:
    bad = render(occlusion(), "vanish")
    f0 = bad.violation["frames"][0]
    assert bad.exists[0, :f0].all() and not bad.exists[0, f0:].any()
    assert bad.amodal[0, f0:].sum() == 0 and bad.visible[0, f0 - 1].sum() == 0     # gone while hidden
    assert bad.counts()["red"]["amodal"][-1] == 0


def test_vanish_dose_response_brings_it_back_later() -> None:
    gone = [int((~render(occlusion(), f"vanish:{m}").exists[0]).sum()) for m in (0.25, 0.5, 1.0)]
    assert gone[0] < gone[1] < gone[2]


def test_late_and_early_shift_the_reappearance() -> None:
    def back(t: Truth) -> int:
        hidden = np.flatnonzero(t.visible[0].sum(axis=(1, 2)) == 0)
        return int(hidden[-1]) + 1

    clean = render(occlusion())
    lates = [render(occlusion(), f"late:{m}") for m in (0.5, 1.0)]
    early = render(occlusion(), "early")
    assert back(clean) < back(lates[0]) < back(lates[1])
    assert back(early) < back(clean)
    delay = lates[1].violation["details"]["delay"]
    assert abs((back(lates[1]) - back(clean)) - delay * clean.fps) <= 1.0         # +- one frame of sampling


def test_displaced_moves_it_across_its_path_before_it_reappears() -> None:
    clean, bad = render(occlusion()), render(occlusion(), "displaced")
    f0 = bad.violation["frames"][0]
    dy = bad.world[0, f0, 1] - clean.world[0, f0, 1]
    assert dy > 0 and bad.world[0, f0, 0] == pytest.approx(clean.world[0, f0, 0])   # up, not along
    assert bad.visible[0, f0 - 1].sum() == 0                                           # moved while hidden


def test_swap_colour_changes_identity_at_the_recorded_frame() -> None:
    bad = render(occlusion(), "swap_colour")
    f0 = bad.violation["frames"][0]
    new = bad.violation["details"]["to"]
    assert bad.colour[0][:f0] == ["red"] * f0 and bad.colour[0][f0:] == [new] * (bad.T - f0)
    assert tuple(bad.rgb[0, -1]) == OBJECT_COLOURS[new]
    half = render(occlusion(), "swap_colour:0.5")
    c0, c1 = np.array(OBJECT_COLOURS["red"]), np.array(OBJECT_COLOURS[new])
    assert np.array_equal(half.rgb[0, -1], np.rint(0.5 * c0 + 0.5 * c1).astype(np.uint8))


def test_swap_shape_changes_the_drawn_shape() -> None:
    clean, bad = render(occlusion()), render(occlusion(), "swap_shape")
    f0 = bad.violation["frames"][0]
    assert bad.shape[0][f0:] == ["box"] * (bad.T - f0)
    last = bad.T - 1
    # a box of side 2r has area 4 r^2 against pi r^2 for the disc
    ratio = bad.amodal[0, last].sum() / clean.amodal[0, last].sum()
    assert ratio == pytest.approx(4 / np.pi, rel=0.08)


def test_flicker_hides_it_in_two_frames_only() -> None:
    clean, bad = render(occlusion()), render(occlusion(), "flicker")
    f0, f1 = bad.violation["frames"]
    assert f1 == f0 + 1 and (bad.opacity[0, f0:f1 + 1] == 0).all()
    assert bad.visible[0, f0:f1 + 1].sum() == 0 and clean.visible[0, f0:f1 + 1].sum() > 0
    assert np.array_equal(bad.amodal, clean.amodal)                  # the world is untouched
    assert bad.intervals()["red ball"] != clean.intervals()["red ball"]


def test_gravity_reversed_and_scaled_change_the_fitted_acceleration() -> None:
    def accel(t: Truth) -> float:
        i = np.arange(6)                                              # in flight in all three worlds
        return float(2 * np.polyfit(i, t.pixel[0, i, 1], 2)[0])

    p = drop(e=0.7)
    a0 = accel(render(p))
    assert accel(render(p, "gravity_reversed")) == pytest.approx(-a0, rel=1e-9)
    assert accel(render(p, "gravity_scaled")) == pytest.approx(0.25 * a0, rel=1e-9)
    assert accel(render(p, "gravity_scaled:0.4")) == pytest.approx(0.7 * a0, rel=1e-9)


def test_energy_gain_makes_bounces_rise() -> None:
    t = render_probe(drop(e=0.7, height=2.0, duration=3.0), 0, violation="energy_gain", frames=240, size=64,
                     jitter=0.0)[1]
    y = t.world[0, :, 1]
    apex = [y[i] for i in range(1, t.T - 1) if y[i - 1] < y[i] >= y[i + 1]]
    assert len(apex) >= 1 and apex[0] > y[0]                         # the first rebound tops the release


def test_teleport_jumps_in_plain_view() -> None:
    clean, bad = render(occlusion()), render(occlusion(), "teleport")
    f0 = bad.violation["frames"][0]
    shift = bad.violation["details"]["shift"][0]
    assert bad.world[0, f0, 0] - clean.world[0, f0, 0] == pytest.approx(shift)
    assert bad.visible_fraction[0, f0] > 0.9 and bad.visible_fraction[0, f0 - 1] > 0.9


def test_freeze_object_and_freeze_video() -> None:
    bad = render(occlusion(), "freeze_object")
    f0 = bad.violation["frames"][0]
    assert np.allclose(bad.world[0, f0:], bad.world[0, f0])
    vid, t = render_probe(occlusion(), 5, violation="freeze_video", **KW)
    f0 = t.violation["frames"][0]
    assert (t.world_times[f0:] == t.world_times[f0]).all()
    assert all(np.array_equal(vid.frames[i], vid.frames[f0]) for i in range(f0, t.T))


def test_interpenetrate_sinks_into_the_floor() -> None:
    bad = render(occlusion(), "interpenetrate:0.5")
    # half the contact radius: it rests with its centre r/2 = 0.125 m above the floor (y = 0.5)
    assert bad.world[0, -1, 1] == pytest.approx(0.5 + 0.125)
    through = render(occlusion(), "interpenetrate")
    assert through.world[0, -1, 1] < 0.5 - 0.25                       # fell through the floor


def test_count_change_removes_counted_objects_while_hidden() -> None:
    clean, bad = render(sweep()), render(sweep(), "count_change")
    assert clean.counts()["green"]["amodal"][-1] == 3
    assert bad.counts()["green"]["amodal"][-1] == 3 - len(bad.violation["details"]["removed"]) == 1
    for name, t in zip(bad.violation["details"]["removed"], bad.violation["details"]["times"]):
        k = bad.index(name)
        first_gone = int(np.flatnonzero(~bad.exists[k])[0])
        assert bad.visible[k, first_gone - 1].sum() == 0 or bad.visible[k, first_gone].sum() == 0


def test_magnitude_zero_changes_nothing() -> None:
    clean = render(occlusion())
    t = render(occlusion(), "vanish:0")
    assert t.violation["frames"] == [] and t.violation["objects"] == []
    assert not diff(clean, t).any()


def test_not_applicable_violations_say_why_and_refuse() -> None:
    ok, why = applicable(drop(), "count_change")
    assert not ok and "count" in why
    ok, why = applicable(drop(), "late")
    assert not ok and "hidden" in why
    with pytest.raises(UserError, match="does not apply"):
        render_probe(drop(), 0, violation="late", frames=8, size=32)


@pytest.mark.parametrize("spec", ["nope", "vanish:2", "vanish:x", "late:-0.1"])
def test_bad_violation_specs_are_user_errors(spec: str) -> None:
    with pytest.raises(UserError):
        render_probe(occlusion(), 0, violation=spec, frames=8, size=32)
