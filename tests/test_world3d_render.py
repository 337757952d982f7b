"""3-D world: nuisances leave the annotations alone, renders are deterministic, probes all render."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import numpy as np
import pytest

from bench.errors import UserError
from bench.generators.base import resolve
from bench.world.truth import Truth
from bench.world3d import ALL_NUISANCES, NUISANCES3D, render_probe3d
from tests.test_world_probes import cup, occlusion, pendulum

KW = {"frames": 16, "size": 32}
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def clean():
    return render_probe3d(occlusion(), 3, violation="vanish", **KW)


@pytest.mark.parametrize("name", [n for n in ALL_NUISANCES if n != "fps"])
def test_nuisance_leaves_annotations_unchanged(clean, name: str) -> None:
    va, ta = clean
    vb, tb = render_probe3d(occlusion(), 3, violation="vanish", nuisance=name, **KW)
    assert tb.nuisance["name"] == name
    assert va.frames.shape != vb.frames.shape or not np.array_equal(va.frames, vb.frames)
    assert np.array_equal(ta.exists, tb.exists) and ta.colour == tb.colour and ta.shape == tb.shape
    assert np.array_equal(ta.world, tb.world, equal_nan=True) and ta.violation == tb.violation
    assert ta.intervals() == tb.intervals() and ta.counts() == tb.counts()
    if name in ("pan",):                                   # geometry follows the camera, consistently
        c = [np.argwhere(m).mean(0)[::-1] for m in tb.amodal[0] if m.any()]
        assert np.abs(np.array(c) - tb.pixel[0][tb.amodal[0].any((1, 2))]).max() < 1.0
        assert not np.allclose(ta.pixel, tb.pixel, equal_nan=True)
    elif name not in ("resize", "shake"):
        assert np.array_equal(ta.pixel, tb.pixel, equal_nan=True)
        assert np.array_equal(ta.amodal, tb.amodal)


def test_new_nuisances_exist_with_levels() -> None:
    assert set(NUISANCES3D) == {"pan", "light", "retexture"}
    for n in NUISANCES3D.values():
        assert n.default in n.levels and all(n.lo <= lv <= n.hi for lv in n.levels)
    with pytest.raises(UserError):
        render_probe3d(occlusion(), 1, nuisance="pan:5", **KW)


def test_renders_are_deterministic_per_seed() -> None:
    a = render_probe3d(cup(), 11, **KW)
    b = render_probe3d(cup(), 11, **KW)
    c = render_probe3d(cup(), 12, **KW)
    assert a[0].frames.tobytes() == b[0].frames.tobytes()
    assert a[1].to_bytes() == b[1].to_bytes()
    assert a[0].frames.tobytes() != c[0].frames.tobytes()


def test_truth_has_the_2d_schema_and_3d_extras() -> None:
    v, t = render_probe3d(pendulum(), 2, **KW)
    files = t.to_bytes()
    back = Truth.from_bytes(files["truth.npz"], files["truth.json"])      # the 2-D reader loads it
    assert back.names == t.names and np.array_equal(back.visible, t.visible)
    extra = json.loads(files["truth.json"])["world3d"]
    for key in ("position3d", "m_per_px", "depth_order", "intrinsics", "extrinsics", "contacts", "look"):
        assert key in extra
    K, Rt = np.array(extra["intrinsics"][0]), np.array(extra["extrinsics"][0])
    X = np.array(extra["position3d"][0][5] + [1.0])
    uv = K @ (Rt @ X)
    assert np.allclose(uv[:2] / uv[2], t.pixel[0, 5], atol=1e-6)           # the cameras project the truth


def test_oracle3d_generator_records_world_and_revision() -> None:
    g = resolve("oracle3d+vanish:0.5~light")
    v = g.generate(occlusion(), 1, {"frames": 8, "size": 32})
    assert v.provenance["world"] == "3d" and v.provenance["revision"].startswith("world3d-")
    assert {"truth.npz", "truth.json"} <= set(v.provenance["artifacts"])
    with pytest.raises(UserError):
        resolve("oracle3d~bogus")


def _probes() -> list[dict]:
    out = []
    for f in sorted(glob.glob(str(ROOT / "prompts" / "*.jsonl"))):
        out += [json.loads(line) for line in open(f) if line.strip()]
    return [p for p in out if p.get("scene")]


@pytest.mark.parametrize("i", range(0, 128, 16))
def test_sampled_suite_probes_render_in_3d(i: int) -> None:
    probes = _probes()
    if i >= len(probes):
        pytest.skip("fewer probes")
    v, t = render_probe3d(probes[i], 0, frames=6, size=24)
    assert v.frames.shape == (6, 24, 24, 3) and len(t.names) == len(probes[i]["objects"])


def test_first_frame_switch_takes_the_3d_world() -> None:
    import hashlib

    from bench.generators.diffusion.adapter import first_frame

    img, prov = first_frame(occlusion(), 4, 32, 32, world="3d")
    want = resolve("oracle3d").generate(occlusion(), 4, {"height": 32, "width": 32, "frames": 2}).frames[0]
    assert prov["world"] == "3d" and prov["source"] == "oracle3d"
    assert prov["sha256"] == hashlib.sha256(want.tobytes()).hexdigest()
    with pytest.raises(UserError):
        first_frame(occlusion(), 4, 32, 32, world="4d")


@pytest.mark.parametrize("name", ["fps", "resize", "shake"])
def test_geometric_nuisances_keep_the_cameras_projecting_the_truth(name: str) -> None:
    _, t = render_probe3d(occlusion(), 3, nuisance=name, **KW)
    e = t.extra
    assert len(e["intrinsics"]) == t.T == len(e["position3d"][0])
    for i in range(t.T):
        K, Rt = np.array(e["intrinsics"][i]), np.array(e["extrinsics"][i])
        X = np.array(list(e["position3d"][0][i]) + [1.0])
        uv = K @ (Rt @ X)
        assert np.allclose(uv[:2] / uv[2], t.pixel[0, i], atol=1e-6)
