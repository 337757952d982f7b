"""Nuisances change the pixels but not the annotations (geometric ones move them consistently)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.errors import UserError
from bench.world import NUISANCES, render_probe
from bench.world.truth import Truth
from tests.test_world_probes import occlusion

KW = {"frames": 24, "size": 96}
GEOMETRIC = {"resize", "shake"}
ANNOTATIONS = ("exists", "opacity", "visible_fraction", "shape_mix")


def pair(spec: str, violation: str | None = "swap_colour") -> tuple[np.ndarray, Truth, np.ndarray, Truth]:
    a, ta = render_probe(occlusion(), 2, violation=violation, **KW)
    b, tb = render_probe(occlusion(), 2, violation=violation, nuisance=spec, **KW)
    return a.frames, ta, b.frames, tb


def centroid_offsets(t: Truth) -> np.ndarray:
    """(frames, 2): amodal-mask centroid minus the recorded pixel centre of the red ball, over
    frames where it is fully visible.  A digitised disc of radius ~5 px has its centroid within
    ~0.15 px of its centre, so this is compared between a render and its transformed copy."""
    out = []
    for i in range(t.T):
        if t.visible_fraction[0, i] > 0.99:
            rows, cols = np.nonzero(t.amodal[0, i])
            out.append([cols.mean() - t.pixel[0, i, 0], rows.mean() - t.pixel[0, i, 1]])
    assert len(out) >= 5
    return np.array(out)


def test_at_least_six_nuisances_with_levels() -> None:
    assert len(NUISANCES) >= 6
    for n in NUISANCES.values():
        assert n.default in n.levels and all(n.lo <= lv <= n.hi for lv in n.levels)


@pytest.mark.parametrize("name", sorted(set(NUISANCES) - {"fps"}))
def test_nuisance_leaves_annotations_unchanged(name: str) -> None:
    fa, ta, fb, tb = pair(name)
    assert tb.nuisance["name"] == name and tb.nuisance["level"] == NUISANCES[name].default
    assert not np.array_equal(fa, fb) or fa.shape != fb.shape                  # the pixels did change
    for key in ANNOTATIONS:
        assert np.array_equal(getattr(ta, key), getattr(tb, key)), key
    assert ta.colour == tb.colour and ta.shape == tb.shape and np.array_equal(ta.world, tb.world, equal_nan=True)
    assert ta.intervals() == tb.intervals() and ta.counts() == tb.counts()
    assert ta.violation == tb.violation
    if name in GEOMETRIC:                                                       # masks and centres moved together
        scale = tb.width / ta.width
        assert np.abs(centroid_offsets(tb) - scale * centroid_offsets(ta)).max() < 0.4
    else:
        assert np.array_equal(ta.pixel, tb.pixel, equal_nan=True)
        assert np.array_equal(ta.visible, tb.visible) and np.array_equal(ta.amodal, tb.amodal)


def test_resize_scales_geometry() -> None:
    _, ta, fb, tb = pair("resize:0.5")
    assert fb.shape[1:3] == (48, 48) and tb.height == 48
    assert tb.px_per_m == pytest.approx(ta.px_per_m / 2)
    assert np.allclose(tb.pixel, (ta.pixel + 0.5) * 0.5 - 0.5, equal_nan=True)
    assert np.abs(centroid_offsets(tb) - 0.5 * centroid_offsets(ta)).max() < 0.4


def test_shake_records_offsets_within_amplitude() -> None:
    _, ta, _, tb = pair("shake:2")
    off = tb.camera_offset
    assert np.abs(off).max() <= 2 and np.abs(off).max() > 0.5
    assert np.allclose(tb.pixel - ta.pixel, off[None], equal_nan=True)


@pytest.mark.parametrize("factor", [0.5, 2.0])
def test_fps_resampling_indexes_every_annotation_alike(factor: float) -> None:
    fa, ta, fb, tb = pair(f"fps:{factor}", violation="flicker")
    idx = np.array(tb.nuisance["params"]["source_frames"])
    assert len(idx) == round(ta.T * factor) and tb.fps == pytest.approx(ta.fps * factor)
    assert np.array_equal(fb, fa[idx])
    for key in ANNOTATIONS + ("visible", "amodal"):
        assert np.array_equal(getattr(tb, key), getattr(ta, key)[:, idx]), key
    assert np.array_equal(tb.world, ta.world[:, idx], equal_nan=True)
    assert tb.times[-1] == pytest.approx((len(idx) - 1) / tb.fps)
    # the flicker frames survive (or not) exactly where their source frames do
    f0, f1 = ta.violation["frames"]
    hit = np.flatnonzero((idx >= f0) & (idx <= f1))
    assert tb.violation["frames"] == ([int(hit[0]), int(hit[-1])] if len(hit) else [])


def test_h264_levels_degrade_monotonically() -> None:
    base, _ = render_probe(occlusion(), 0, **KW)
    err = [np.abs(render_probe(occlusion(), 0, nuisance=f"h264:{c}", **KW)[0].frames.astype(int)
                  - base.frames).mean() for c in NUISANCES["h264"].levels]
    assert err[0] < err[1] < err[2]


def test_texture_touches_only_the_backdrop() -> None:
    fa, ta, fb, _ = pair("texture:32")
    inside = ta.visible[0]                                                  # pure ball pixels
    inside &= ta.visible_fraction[0][:, None, None] > 0.99
    core = inside & np.roll(inside, 1, 1) & np.roll(inside, -1, 1) & np.roll(inside, 1, 2) & np.roll(inside, -1, 2)
    assert np.array_equal(fa[core], fb[core])
    assert (fa != fb).any()


def test_nuisances_are_deterministic_per_seed() -> None:
    a = render_probe(occlusion(), 1, nuisance="noise", **KW)[0].frames
    b = render_probe(occlusion(), 1, nuisance="noise", **KW)[0].frames
    c = render_probe(occlusion(), 2, nuisance="noise", **KW)[0].frames
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize("spec", ["blur", "h264:99", "shake:x", "resize:0"])
def test_bad_nuisance_specs_are_user_errors(spec: str) -> None:
    with pytest.raises(UserError):
        render_probe(occlusion(), 0, nuisance=spec, frames=8, size=32)
