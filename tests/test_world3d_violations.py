"""3-D world: each violation changes what it records (and nothing before it), the claimed quantity moves."""

from __future__ import annotations

import numpy as np
import pytest

from bench.errors import UserError
from bench.world import VIOLATIONS
from bench.world3d import applicable3d, render_probe3d
from tests.test_world_probes import drop, occlusion, sweep
from tests.test_world_violations import CASES, diff

KW = {"frames": 24, "size": 32}


def render(p: dict, violation: str | None = None, seed: int = 5):
    return render_probe3d(p, seed, violation=violation, **KW)[1]


def test_every_violation_has_a_case() -> None:
    assert set(CASES) == set(VIOLATIONS)


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_violation_changes_exactly_what_it_records(name: str) -> None:
    p = CASES[name]()
    assert applicable3d(p, name) == (True, "")
    clean, bad = render(p), render(p, name)
    r = bad.violation
    assert r["name"] == name and r["magnitude"] == VIOLATIONS[name].default
    d = diff(clean, bad)
    changed = [n for k, n in enumerate(clean.names) if d[k].any()]
    assert changed and set(changed) == set(r["objects"])
    f0, _ = r["frames"]
    frames = np.flatnonzero(d.any(0) | (clean.world_times != bad.world_times))
    assert frames[0] >= f0 - 1                                       # nothing changes before the edit
    assert r["object"] in changed or set(r["details"].get("removed", [])) <= set(changed)
    claimed(name, clean, bad, r)


def claimed(name: str, clean, bad, r: dict) -> None:
    """The quantity each violation claims to change does change, as it says."""
    a = clean.index(r["object"])
    f0 = r["frames"][0]
    if name in ("vanish", "count_change"):
        gone = [clean.index(n) for n in r["details"].get("removed", [r["object"]])]
        assert all(not bad.exists[g, f0:].all() for g in gone) and clean.exists.all()
    elif name == "swap_colour":
        assert bad.colour[a][-1] != clean.colour[a][-1] or (bad.rgb[a, -1] != clean.rgb[a, -1]).any()
    elif name == "swap_shape":
        assert bad.shape_mix[a, -1] == 1.0 and bad.shape[a][-1] != clean.shape[a][-1]
    elif name == "flicker":
        assert (bad.opacity[a] == 0).sum() == 2 and bad.visible_fraction[a][bad.opacity[a] == 0].max() == 0
    elif name == "freeze_video":
        assert (np.diff(bad.world_times) == 0).any()
    elif name in ("gravity_reversed", "gravity_scaled"):
        t = bad.world_times[:6]
        acc = lambda tr: 2 * np.polyfit(t, tr.world[a, :6, 1], 2)[0]       # noqa: E731 - before the first impact
        g_bad = acc(bad)
        assert (g_bad > 0) if name == "gravity_reversed" else (-9.81 * 0.3 < g_bad < -9.81 * 0.2)
    elif name == "teleport":
        step = np.abs(np.diff(bad.world[a, :, 0]))
        assert step.max() > 0.2 * 5.0 * 0.5 * 0.8
    elif name == "energy_gain":
        assert np.nanmax(bad.world[a, f0 + 2:, 1]) > np.nanmax(clean.world[a, f0 + 2:, 1])
    elif name in ("late", "freeze_object"):
        assert bad.world[a, -1, 0] < clean.world[a, -1, 0] - 0.05
    elif name in ("early", "displaced"):
        assert np.abs(bad.world[a, f0:] - clean.world[a, f0:]).max() > 0.1
    elif name == "interpenetrate":
        assert np.nanmin(bad.world[a, :, 1]) < np.nanmin(clean.world[a, :, 1]) - 0.05


def test_magnitude_zero_changes_nothing() -> None:
    clean = render(occlusion())
    bad = render(occlusion(), "vanish:0")
    assert not diff(clean, bad).any() and bad.violation["objects"] == []


def test_not_applicable_violation_refuses() -> None:
    ok, why = applicable3d(drop(), "late")
    assert not ok and "hidden" in why
    with pytest.raises(UserError, match="does not apply"):
        render_probe3d(drop(), 1, violation="late", frames=8, size=16)


def test_count_change_applies_to_a_sweep() -> None:
    assert applicable3d(sweep(), "count_change") == (True, "")
