"""The seeded look of a 3-D render: camera, light, floor and wall textures, colours.

``draw_look(rng) -> Look`` draws every appearance parameter from one generator (the
oracle seeds it from (seed, k, probe id, "look")), so two renders of the same (seed, k)
look the same and ensemble members differ.  Ranges:

===============  =======================================================================
parameter        range
===============  =======================================================================
camera_pitch     4 .. 12 degrees looking down
camera_yaw       -4 .. 4 degrees (the motion plane stays roughly parallel to the image)
fov              35 .. 50 degrees vertical field of view
light            azimuth -60 .. 60 degrees, elevation 35 .. 70 degrees; ambient 0.45 .. 0.6
floor, wall      textures from ``TEXTURES`` (wood, tiles, carpet, concrete, plaster) with a
                 base colour drawn around a hue (may be close to an object's)
===============  =======================================================================

Textures are procedural (numpy + OpenCV), written once per look to a PNG in a private
temporary folder (PyBullet loads textures from files only).  Why hand-written: no
well-kept library makes small seeded material textures without downloads.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
import os
import tempfile
from dataclasses import dataclass, replace

import cv2
import numpy as np

TEXTURES = ("wood", "tiles", "carpet", "concrete", "plaster")
TEX_SIZE = 256


@dataclass(frozen=True)
class Look:
    camera_pitch: float          # degrees down
    camera_yaw: float            # degrees
    fov: float                   # vertical, degrees
    light_azimuth: float         # degrees
    light_elevation: float       # degrees
    ambient: float
    floor_texture: str
    floor_rgb: tuple[int, int, int]
    wall_texture: str
    wall_rgb: tuple[int, int, int]
    texture_seed: int

    def light_direction(self) -> list[float]:
        """Unit vector towards the light (x right, y into the scene, z up)."""
        az, el = math.radians(self.light_azimuth), math.radians(self.light_elevation)
        return [math.cos(el) * math.sin(az), -math.cos(el) * math.cos(az), math.sin(el)]

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def _rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return int(round(255 * r)), int(round(255 * g)), int(round(255 * b))


def draw_look(rng: np.random.Generator) -> Look:
    """A random look (see the module docstring); draws in a fixed order."""
    u = rng.uniform
    floor_tex = TEXTURES[int(rng.integers(len(TEXTURES)))]
    wall_tex = TEXTURES[int(rng.integers(len(TEXTURES)))]
    return Look(camera_pitch=u(4, 12), camera_yaw=u(-4, 4), fov=u(35, 50), light_azimuth=u(-60, 60),
                light_elevation=u(35, 70), ambient=u(0.45, 0.6), floor_texture=floor_tex,
                floor_rgb=_rgb(u(0, 1), u(0.15, 0.55), u(0.45, 0.8)), wall_texture=wall_tex,
                wall_rgb=_rgb(u(0, 1), u(0.05, 0.35), u(0.65, 0.92)), texture_seed=int(rng.integers(2 ** 31)))


def retextured(look: Look, rng: np.random.Generator) -> Look:
    """The same look with other floor and wall textures and colours (the ``retexture`` nuisance)."""
    other = draw_look(rng)
    floor = other.floor_texture if other.floor_texture != look.floor_texture else \
        TEXTURES[(TEXTURES.index(look.floor_texture) + 1) % len(TEXTURES)]
    wall = other.wall_texture if other.wall_texture != look.wall_texture else \
        TEXTURES[(TEXTURES.index(look.wall_texture) + 2) % len(TEXTURES)]
    return replace(look, floor_texture=floor, floor_rgb=other.floor_rgb, wall_texture=wall,
                   wall_rgb=other.wall_rgb, texture_seed=other.texture_seed)


def _smooth(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    f = cv2.GaussianBlur(rng.standard_normal((n, n)).astype(np.float32), (0, 0), sigmaX=sigma,
                         borderType=cv2.BORDER_REFLECT)
    return f / max(float(np.abs(f).max()), 1e-6)


def texture_image(kind: str, rgb: tuple[int, int, int], seed: int, n: int = TEX_SIZE) -> np.ndarray:
    """(n, n, 3) uint8 RGB material texture of ``kind`` around colour ``rgb``."""
    rng = np.random.default_rng([seed, TEXTURES.index(kind)])
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / n
    if kind == "wood":
        planks = 8
        idx = np.floor(yy * planks)
        grain = np.sin((xx * 40 + 6 * _smooth(rng, n, n / 24)) * math.pi + idx * 1.7)
        shade = 0.82 + 0.1 * grain + 0.06 * np.cos(idx * 2.3)
        shade = np.where((yy * planks) % 1.0 < 0.04, 0.55, shade)
    elif kind == "tiles":
        k = 8
        fx, fy = (xx * k) % 1.0, (yy * k) % 1.0
        cell = (np.floor(xx * k) + np.floor(yy * k)) % 2
        shade = 0.9 - 0.08 * cell + 0.04 * _smooth(rng, n, 3)
        shade = np.where((fx < 0.05) | (fy < 0.05), 0.6, shade)
    elif kind == "carpet":
        shade = 0.85 + 0.1 * rng.standard_normal((n, n)).astype(np.float32).clip(-2, 2) / 2 \
            + 0.05 * _smooth(rng, n, 6)
    elif kind == "concrete":
        shade = 0.86 + 0.07 * _smooth(rng, n, n / 20) + 0.04 * rng.standard_normal((n, n)).astype(np.float32)
    else:  # plaster
        shade = 0.9 + 0.05 * _smooth(rng, n, n / 10) + 0.02 * _smooth(rng, n, 2)
    img = np.clip(shade[..., None] * np.asarray(rgb, np.float32)[None, None], 0, 255)
    return np.rint(img).astype(np.uint8)


_DIR: str | None = None


def texture_file(kind: str, rgb: tuple[int, int, int], seed: int) -> str:
    """Path of a PNG of ``texture_image(kind, rgb, seed)`` (written once per process)."""
    global _DIR
    if _DIR is None:
        _DIR = tempfile.mkdtemp(prefix="bench-world3d-tex-")
    key = hashlib.sha256(f"{kind}|{rgb}|{seed}".encode()).hexdigest()[:20]
    path = os.path.join(_DIR, f"{key}.png")
    if not os.path.exists(path):
        img = texture_image(kind, rgb, seed)
        tmp = f"{path}.{os.getpid()}.tmp.png"
        cv2.imwrite(tmp, img[..., ::-1])
        os.replace(tmp, path)
    return path
