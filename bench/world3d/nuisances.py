"""Nuisances of the 3-D world: the 2-D world's 7 post-render ones plus 3 that real footage has.

The 7 of ``bench.world.nuisances.NUISANCES`` (h264, resize, fps, shake, jitter, noise,
texture) apply to the rendered frames exactly as in the 2-D world.  These 3 change the
render itself and leave every annotation except the geometric ones (pixel positions and
masks, which follow the camera) unchanged:

=========  ==========  ================  ===========================================================
name       unit        levels (default*) effect
=========  ==========  ================  ===========================================================
pan        fraction    0.02, 0.04*, 0.08 the camera drifts sideways by level x the view width and
                                         dollies in by level x its distance, linearly over the video
light      degrees     30, 60*, 90       the light turns by that azimuth over the video and the
                                         ambient term dims by up to a third
retexture  variant     1*, 2, 3          other floor and wall textures and colours (variant seeds
                                         the draw)
=========  ==========  ================  ===========================================================
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from bench.world.nuisances import NUISANCES
from bench.world3d.camera import PerspectiveCamera
from bench.world3d.look import Look, retextured


@dataclass(frozen=True)
class Nuisance3DSpec:
    name: str
    unit: str
    levels: tuple[float, ...]
    default: float
    lo: float
    hi: float
    description: str


NUISANCES3D: dict[str, Nuisance3DSpec] = {s.name: s for s in [
    Nuisance3DSpec("pan", "fraction", (0.02, 0.04, 0.08), 0.04, 0.0, 0.2, "slow camera pan and dolly"),
    Nuisance3DSpec("light", "degrees", (30, 60, 90), 60, 0.0, 180.0, "the light turns and dims"),
    Nuisance3DSpec("retexture", "variant", (1, 2, 3), 1, 1, 1000, "other floor and wall textures"),
]}

#: Every nuisance name the 3-D world accepts, in a stable order.
ALL_NUISANCES = list(NUISANCES) + list(NUISANCES3D)


def parse_nuisance3d(spec: str) -> tuple[str, float]:
    """``"name"`` or ``"name:level"`` for any of ``ALL_NUISANCES``; ``ValueError`` if malformed."""
    name, _, lv = spec.partition(":")
    table = {**{k: v for k, v in NUISANCES.items()}, **NUISANCES3D}
    if name not in table:
        raise ValueError(f"unknown nuisance {name!r} (known: {', '.join(ALL_NUISANCES)})")
    n = table[name]
    if not lv:
        return name, float(n.default)
    try:
        level = float(lv)
    except ValueError:
        raise ValueError(f"nuisance level {lv!r} is not a number") from None
    if not n.lo <= level <= n.hi:
        raise ValueError(f"nuisance {name} level {level} is outside [{n.lo}, {n.hi}] ({n.unit})")
    return name, level


def scene_look(nspec: tuple[str, float], look: Look, rng: np.random.Generator) -> Look:
    """The look under a render-time nuisance (only ``retexture`` changes it)."""
    if nspec[0] == "retexture":
        for _ in range(int(nspec[1]) - 1):
            rng.random()
        return retextured(look, rng)
    return look


def camera_path(nspec: tuple[str, float] | None, cam: PerspectiveCamera, view: tuple[float, float],
                frames: int) -> list[PerspectiveCamera]:
    """One camera per frame: ``cam`` throughout, or drifting under ``pan``."""
    if nspec is None or nspec[0] != "pan":
        return [cam] * frames
    level = nspec[1]
    fwd = np.subtract(cam.target, cam.eye)
    out = []
    for i in range(frames):
        f = i / max(frames - 1, 1)
        out.append(cam.moved(f * level * (np.array([view[0], 0.0, 0.0]) + fwd)))
    return out


def lighting(nspec: tuple[str, float] | None, look: Look, frames: int) -> list[dict]:
    """Light per frame: the look's, or turning and dimming under ``light``."""
    out = []
    for i in range(frames):
        lk, amb = look, look.ambient
        if nspec is not None and nspec[0] == "light":
            f = i / max(frames - 1, 1)
            lk = dataclasses.replace(look, light_azimuth=look.light_azimuth + f * nspec[1])
            amb = look.ambient * (1 - f * min(nspec[1], 90) / 270)
        out.append({"direction": lk.light_direction(), "ambient": amb, "diffuse": 0.6, "specular": 0.35})
    return out
