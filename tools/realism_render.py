"""A small numpy ray caster for realistic probe test clips (perspective, shading, shadows, blur).

Why hand-written: the probe checks need short clips whose failure kinds (a floor seen in
perspective, motion blur, a wall near an object's hue, a two-tone ball ...) are set exactly and
whose ground truth is known; PyBullet's renderer is being added on another branch and cannot be
used here yet.  This one draws, per pixel of a pinhole camera looking down at a ground plane:

- a floor plane y = 0 with square tiles and grout lines, a back wall z = ``wall_z`` with a
  vertical gradient, spheres (optionally with a stripe of another colour about a horizontal
  axis that turns as the ball rolls) and axis-aligned boxes (tables, screens, blocks);
- Lambert shading from one directional light plus ambient, a Blinn-Phong highlight on
  spheres, and soft cast shadows (the fraction of 4 jittered light directions blocked);
- motion blur (the mean of 4 sub-frames over a 180-degree shutter), Gaussian sensor noise,
  and H.264 (crf 23, yuv420p) through ``bench.video.write_video``.

Scenes are functions of time returning the bodies; ``tools/realism_cases.py`` defines the cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LIGHT = np.array([-0.45, 0.85, -0.35])
LIGHT /= np.linalg.norm(LIGHT)
AMBIENT = 0.38


@dataclass
class Sphere:
    centre: tuple[float, float, float]
    radius: float
    colour: tuple[int, int, int]
    stripe: tuple[int, int, int] | None = None   # colour of a band around the rolling axis
    angle: float = 0.0                            # roll angle (radians) about the z axis


@dataclass
class Box:
    lo: tuple[float, float, float]
    hi: tuple[float, float, float]
    colour: tuple[int, int, int]


@dataclass
class Stage:
    """Camera and static scenery."""

    cam: tuple[float, float, float] = (0.0, 1.2, -3.0)
    pitch: float = 0.28                 # radians, looking down
    focal: float = 1.6                  # focal length in half-image units
    floor: tuple[int, int, int] = (120, 120, 124)
    tile: float = 0.5
    wall: tuple[int, int, int] = (225, 225, 220)
    wall_z: float = 4.0
    fixtures: list = field(default_factory=list)   # static bodies (tables, screens)


def _lin(c) -> np.ndarray:
    return (np.asarray(c, float) / 255.0) ** 2.2


def _rays(stage: Stage, size: int) -> tuple[np.ndarray, np.ndarray]:
    v, u = np.mgrid[0:size, 0:size].astype(float)
    x = (u + 0.5 - size / 2) / (size / 2)
    y = -(v + 0.5 - size / 2) / (size / 2)
    d = np.stack([x, y, np.full_like(x, stage.focal)], -1)
    c, s = np.cos(stage.pitch), np.sin(stage.pitch)
    rot = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])   # pitch down about x
    d = d @ rot.T
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    return np.broadcast_to(np.array(stage.cam, float), d.shape), d


def _hit_sphere(o, d, s: Sphere):
    oc = o - np.array(s.centre)
    b = (oc * d).sum(-1)
    c = (oc * oc).sum(-1) - s.radius ** 2
    disc = b * b - c
    t = -b - np.sqrt(np.maximum(disc, 0))
    return np.where((disc > 0) & (t > 1e-4), t, np.inf)


def _hit_box(o, d, b: Box):
    lo, hi = np.array(b.lo), np.array(b.hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (lo - o) / d, (hi - o) / d
    tn = np.nanmax(np.minimum(t1, t2), axis=-1)
    tf = np.nanmin(np.maximum(t1, t2), axis=-1)
    return np.where((tf >= tn) & (tn > 1e-4), tn, np.inf)


def _blocked(p: np.ndarray, bodies: list) -> np.ndarray:
    """Soft shadow: fraction of 4 jittered light directions blocked from points ``p``."""
    out = np.zeros(p.shape[:-1])
    for j in ((0.06, 0), (-0.06, 0), (0, 0.06), (0, -0.06)):
        ld = LIGHT + np.array([j[0], 0.0, j[1]])
        ld = np.broadcast_to(ld / np.linalg.norm(ld), p.shape)
        hit = np.zeros(p.shape[:-1], bool)
        for b in bodies:
            t = _hit_sphere(p, ld, b) if isinstance(b, Sphere) else _hit_box(p, ld, b)
            hit |= np.isfinite(t)
        out += hit / 4.0
    return out


def _shade_scenery(stage: Stage, p: np.ndarray, is_floor: np.ndarray) -> np.ndarray:
    fx, fz = p[..., 0] / stage.tile, p[..., 2] / stage.tile
    grout = (np.abs(fx - np.round(fx)) < 0.03) | (np.abs(fz - np.round(fz)) < 0.03)
    check = ((np.floor(fx) + np.floor(fz)) % 2) * 0.08 - 0.04
    floor = _lin(stage.floor)[None] * (1 + check[..., None]) * np.where(grout, 0.7, 1.0)[..., None]
    grad = np.clip(0.9 + 0.05 * p[..., 1], 0.8, 1.05)[..., None]
    wall = _lin(stage.wall)[None] * grad
    return np.where(is_floor[..., None], floor, wall)


def render(stage: Stage, bodies: list, size: int = 256) -> np.ndarray:
    """One linear-light frame (size, size, 3) of ``bodies`` (plus the stage's fixtures)."""
    o, d = _rays(stage, size)
    allb = list(stage.fixtures) + list(bodies)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_floor = np.where(d[..., 1] < 0, -o[..., 1] / d[..., 1], np.inf)
        t_wall = np.where(d[..., 2] > 0, (stage.wall_z - o[..., 2]) / d[..., 2], np.inf)
    t_bg = np.minimum(t_floor, t_wall)
    ts = [(_hit_sphere(o, d, b) if isinstance(b, Sphere) else _hit_box(o, d, b)) for b in allb]
    t_all = np.stack([t_bg] + ts)
    k = t_all.argmin(0)
    t = np.take_along_axis(t_all, k[None], 0)[0]
    p = o + d * t[..., None]
    col = np.zeros(p.shape)
    bg = k == 0
    shade_bg = _shade_scenery(stage, p, t_floor <= t_wall)
    lit = 1.0 - 0.6 * _blocked(p + np.array([0, 1e-3, 0]), allb)
    col[bg] = (shade_bg * (AMBIENT + (1 - AMBIENT) * lit[..., None] * 0.9))[bg]
    for i, b in enumerate(allb):
        m = k == i + 1
        if not m.any():
            continue
        q = p[m]
        if isinstance(b, Sphere):
            n = (q - np.array(b.centre)) / b.radius
            base = np.broadcast_to(_lin(b.colour), q.shape).copy()
            if b.stripe is not None:
                ca, sa = np.cos(b.angle), np.sin(b.angle)
                axis_y = n[:, 0] * sa + n[:, 1] * ca          # the band's plane turns as it rolls
                base[np.abs(axis_y) < 0.22] = _lin(b.stripe)
        else:
            lo, hi = np.array(b.lo), np.array(b.hi)
            n = np.zeros_like(q)
            dl, dh = np.abs(q - lo), np.abs(q - hi)
            ax = np.minimum(dl, dh).argmin(-1)
            sign = np.where(np.take_along_axis(dl, ax[:, None], 1)[:, 0] < np.take_along_axis(dh, ax[:, None], 1)[:, 0], -1, 1)
            n[np.arange(len(q)), ax] = sign
            base = np.broadcast_to(_lin(b.colour), q.shape)
        lam = np.clip(n @ LIGHT, 0, 1)
        sh = 1.0 - 0.6 * _blocked(q + n * 1e-3, [x for x in allb if x is not b])
        c = base * (AMBIENT + (1 - AMBIENT) * (lam * sh)[:, None])
        if isinstance(b, Sphere):
            h = LIGHT - d[m]
            h /= np.linalg.norm(h, axis=-1, keepdims=True)
            c = c + 0.35 * (np.clip((n * h).sum(-1), 0, 1) ** 40 * sh)[:, None]
        col[m] = c
    return col


def clip(stage: Stage, scene, T: int = 24, fps: float = 16.0, size: int = 256, seed: int = 0,
         sub: int = 4) -> np.ndarray:
    """uint8 frames (T, size, size, 3): ``scene(t_seconds) -> bodies``, 180-degree shutter blur
    over ``sub`` sub-frames, sensor noise sigma 2 grey levels."""
    rng = np.random.default_rng(seed)
    out = np.empty((T, size, size, 3), np.uint8)
    for i in range(T):
        acc = sum(render(stage, scene((i + 0.5 * j / sub) / fps), size) for j in range(sub)) / sub
        srgb = np.clip(acc, 0, 1) ** (1 / 2.2) * 255 + rng.normal(0, 2.0, acc.shape)
        out[i] = np.clip(srgb, 0, 255).astype(np.uint8)
    return out
