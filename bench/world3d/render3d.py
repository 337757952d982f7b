"""Drawing the 3-D world with PyBullet's TinyRenderer: shading, cast shadows, textures, blur.

``Stage(scene, look, height, width)`` builds visual-only copies of the scene's solids in a
private PyBullet DIRECT client: a textured floor and back wall (``bench.world3d.look``),
platforms, ramps and occluder screens in their scene colours, one solid per probe object
(``bench.world3d.solids``), a string and pivot per pendulum.  ``Stage.frame(...)`` poses
everything for one frame and renders it with ``getCameraImage(renderer=ER_TINY_RENDERER,
shadow=1)``: Lambert shading with ambient and specular terms from one directional light,
and a shadow map, plus the per-body segmentation mask.

Motion blur is temporal supersampling at its cheapest: when something moves more than half a
pixel in half a frame interval, a second image is rendered (without the shadow pass) at
``t - 0.5 / fps`` and averaged with the first where either shows a moving object.  Sensor
noise (Gaussian, sigma ``NOISE`` grey levels, seeded) is added last.

Masks: the **visible** mask of an object is its segmentation in the sharp image (and
opacity >= 0.5); the **amodal** mask is the filled convex hull of its posed solid's
projected points (``bench.world3d.solids.shape_points``), whatever is in front.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import pybullet as pb

from bench.suites.palette import OBJECT_COLOURS, SCENE_COLOURS
from bench.world.scene import Scene
from bench.world3d import solids
from bench.world3d.camera import PerspectiveCamera
from bench.world3d.look import Look, texture_file

NOISE = 1.5
AWAY = [0.0, 0.0, -1e3]             # where hidden solids wait (far below the floor)
SCREEN_THICKNESS = 0.02             # x view height


_CLIENTS: dict[str, tuple[int, int]] = {}


def client(role: str) -> int:
    """A PyBullet DIRECT client for ``role`` ("sim" or "stage"), reset and reused within this
    process (connecting costs ~0.1 s, more than simulating a scene); a forked child connects anew."""
    import os

    pid = os.getpid()
    have = _CLIENTS.get(role)
    if have is None or have[1] != pid or not pb.isConnected(have[0]):
        _CLIENTS[role] = (pb.connect(pb.DIRECT), pid)
    c = _CLIENTS[role][0]
    pb.resetSimulation(physicsClientId=c)
    return c


def _rgba(rgb) -> list[float]:
    return [c / 255.0 for c in rgb] + [1.0]


def _quad(client: int, corners: np.ndarray, tex: str) -> int:
    """A textured rectangle (4 corners in order) as a visual-only body."""
    n = np.cross(corners[1] - corners[0], corners[2] - corners[1])
    n = (n / np.linalg.norm(n)).tolist()
    vs = pb.createVisualShape(pb.GEOM_MESH, vertices=corners.tolist(), indices=[0, 1, 2, 0, 2, 3],
                              uvs=[[0, 0], [1, 0], [1, 1], [0, 1]], normals=[n] * 4, physicsClientId=client)
    b = pb.createMultiBody(0, -1, vs, [0, 0, 0], physicsClientId=client)
    pb.changeVisualShape(b, -1, textureUniqueId=pb.loadTexture(tex, physicsClientId=client),
                         rgbaColor=[1, 1, 1, 1], physicsClientId=client)
    return b


def solid_visual(client: int, shape: str, r: float, rgb, points: np.ndarray | None = None) -> int:
    """A visual-only body for a probe object's solid (``points``: a blended hull instead)."""
    col = _rgba(rgb)
    if points is None and shape == "disc":
        vs = pb.createVisualShape(pb.GEOM_SPHERE, radius=r, rgbaColor=col, physicsClientId=client)
    elif points is None and shape == "box":
        vs = pb.createVisualShape(pb.GEOM_BOX, halfExtents=[r] * 3, rgbaColor=col, physicsClientId=client)
    else:
        v, i, n = solids.hull_mesh(solids.shape_points(shape, r) if points is None else points)
        vs = pb.createVisualShape(pb.GEOM_MESH, vertices=v, indices=i, normals=n, rgbaColor=col,
                                  physicsClientId=client)
    return pb.createMultiBody(0, -1, vs, AWAY, physicsClientId=client)


@dataclass
class Shot:
    rgb: np.ndarray                 # (H, W, 3) uint8
    seg: np.ndarray                 # (H, W) int body ids (-1 = nothing)


class Stage:
    """The visual scene in its own PyBullet client (close it with ``close``)."""

    def __init__(self, scene: Scene, look: Look, height: int, width: int):
        self.s, self.look, self.H, self.W = scene, look, height, width
        self.c = client("stage")
        self.depth = solids.actor_depths(scene)
        vw, vh = scene.view
        fy = scene.floor.q[1] if scene.floor is not None else -0.3 * vh
        wall_y = max(self.depth + [0.0]) + 0.45 * vh
        x0, x1 = -1.5 * vw, 2.5 * vw
        ftex = texture_file(look.floor_texture, look.floor_rgb, look.texture_seed)
        wtex = texture_file(look.wall_texture, look.wall_rgb, look.texture_seed + 1)
        self.floor = _quad(self.c, np.array([[x0, -3 * vh, fy], [x1, -3 * vh, fy], [x1, wall_y, fy],
                                             [x0, wall_y, fy]]), ftex)
        self.wall = _quad(self.c, np.array([[x0, wall_y, fy], [x1, wall_y, fy], [x1, wall_y, fy + 3 * vh],
                                            [x0, wall_y, fy + 3 * vh]]), wtex)
        self._scenery(fy)
        self.actor_ids = [solid_visual(self.c, a.shape, a.half, OBJECT_COLOURS[a.colour]) for a in scene.actors]
        self.alt_ids: dict[int, int] = {}
        self.strings = []
        for p in scene.pendulums:
            vs = pb.createVisualShape(pb.GEOM_CYLINDER, radius=0.006 * vh, length=p.length,
                                      rgbaColor=_rgba(SCENE_COLOURS["dark grey"]), physicsClientId=self.c)
            self.strings.append(pb.createMultiBody(0, -1, vs, AWAY, physicsClientId=self.c))

    def _scenery(self, fy: float) -> None:
        s, c = self.s, self.c
        y0, y1 = solids.support_depth_range(s)
        for sp in s.supports:
            if sp.kind == "floor":
                continue
            pts = np.array([[x, y, z] for x, z in sp.polygon for y in (y0, y1)])
            v, i, n = solids.hull_mesh(pts)
            vs = pb.createVisualShape(pb.GEOM_MESH, vertices=v, indices=i, normals=n,
                                      rgbaColor=_rgba(SCENE_COLOURS[sp.colour]), physicsClientId=c)
            pb.createMultiBody(0, -1, vs, [0, 0, 0], physicsClientId=c)
        self.occluder_ids = []
        for o in s.occluders:
            half = [float(o.half_size[0]), SCREEN_THICKNESS * s.view[1] / 2, float(o.half_size[1])]
            vs = pb.createVisualShape(pb.GEOM_BOX, halfExtents=half, rgbaColor=_rgba(SCENE_COLOURS[o.colour]),
                                      physicsClientId=c)
            self.occluder_ids.append(pb.createMultiBody(0, -1, vs, AWAY, physicsClientId=c))
        del fy

    def alternate(self, actor: int, shape_to: str, mix: float, rgb) -> int:
        """A second solid for actor (its shape blended towards ``shape_to``), created once."""
        if actor not in self.alt_ids:
            a = self.s.actors[actor]
            pts = solids.blend_points(a.shape, shape_to, a.half, mix)
            self.alt_ids[actor] = solid_visual(self.c, a.shape, a.half, rgb, points=pts)
        return self.alt_ids[actor]

    def pose(self, bid: int, pos, quat=(0, 0, 0, 1)) -> None:
        pb.resetBasePositionAndOrientation(bid, list(map(float, pos)), list(map(float, quat)), physicsClientId=self.c)

    def colour(self, bid: int, rgb) -> None:
        pb.changeVisualShape(bid, -1, rgbaColor=_rgba(rgb), physicsClientId=self.c)

    def place_static(self, occ_centres: np.ndarray, bobs: np.ndarray) -> None:
        """Occluders at (K, 2) centres and pendulum strings to (P, 3) bob positions."""
        for bid, o, c in zip(self.occluder_ids, self.s.occluders, occ_centres):
            self.pose(bid, [c[0], solids.occluder_depth(self.s, o.z), c[1]])
        for bid, p, bob in zip(self.strings, self.s.pendulums, bobs):
            piv = np.array([p.pivot[0], bob[1], p.pivot[1]])
            d = bob - piv
            d = d / max(np.linalg.norm(d), 1e-9)
            axis = np.cross([0, 0, 1.0], d)
            ang = math.acos(float(np.clip(d[2], -1, 1)))
            q = pb.getQuaternionFromAxisAngle(axis.tolist() if np.linalg.norm(axis) > 1e-9 else [1, 0, 0], ang)
            self.pose(bid, piv + d * p.length / 2, q)

    def shoot(self, cam: PerspectiveCamera, light: dict, shadow: bool = True) -> Shot:
        _, _, rgba, _, seg = pb.getCameraImage(
            self.W, self.H, cam.view_matrix(), cam.projection_matrix(), renderer=pb.ER_TINY_RENDERER,
            shadow=int(shadow), lightDirection=light["direction"], lightColor=light.get("colour", [1, 1, 1]),
            lightAmbientCoeff=light["ambient"], lightDiffuseCoeff=light.get("diffuse", 0.6),
            lightSpecularCoeff=light.get("specular", 0.35), physicsClientId=self.c)
        rgb = np.asarray(rgba, np.uint8).reshape(self.H, self.W, 4)[..., :3]
        return Shot(np.ascontiguousarray(rgb), np.asarray(seg, np.int64).reshape(self.H, self.W))

    def close(self) -> None:
        """Nothing to free: the client is reused (reset) by the next stage of this process."""


def amodal_mask(cam: PerspectiveCamera, points: np.ndarray, height: int, width: int, ss: int = 4) -> np.ndarray:
    """(H, W) bool: pixels at least half covered by the projected convex hull of world ``points``
    (rasterised at ``ss`` x the resolution, then area-averaged)."""
    uv, z = cam.project(points)
    if (z <= 0).any():
        return np.zeros((height, width), bool)
    lo = np.floor(uv.min(0)).astype(int) - 1
    hi = np.ceil(uv.max(0)).astype(int) + 2
    c0, r0 = max(lo[0], 0), max(lo[1], 0)
    c1, r1 = min(hi[0], width), min(hi[1], height)
    out = np.zeros((height, width), bool)
    if c0 >= c1 or r0 >= r1:
        return out
    big = np.zeros(((r1 - r0) * ss, (c1 - c0) * ss), np.uint8)
    sub = (uv - [c0, r0] + 0.5) * ss - 0.5                     # index coords of the fine grid
    hull = cv2.convexHull(np.rint(sub * 16).astype(np.int32))
    cv2.fillConvexPoly(big, hull, 255, lineType=cv2.LINE_AA, shift=4)
    small = cv2.resize(big, (c1 - c0, r1 - r0), interpolation=cv2.INTER_AREA)
    out[r0:r1, c0:c1] = small >= 128
    return out


def posed_points(shape: str, r: float, pos: np.ndarray, quat: np.ndarray) -> np.ndarray:
    """World points of a solid at ``pos`` (3,) with orientation ``quat`` (xyzw)."""
    R = np.asarray(pb.getMatrixFromQuaternion(list(map(float, quat)))).reshape(3, 3)
    return solids.shape_points(shape, r) @ R.T + pos


def blur_mix(sharp: Shot, early: Shot, moving_ids: list[int]) -> np.ndarray:
    """Average of two exposures where either shows a moving object (else the sharp one)."""
    ids = np.asarray(moving_ids)
    m = np.isin(sharp.seg, ids) | np.isin(early.seg, ids)
    out = sharp.rgb.copy()
    out[m] = ((sharp.rgb[m].astype(np.uint16) + early.rgb[m]) // 2).astype(np.uint8)
    return out


def add_noise(frames: np.ndarray, rng: np.random.Generator, sigma: float = NOISE) -> np.ndarray:
    noisy = frames + np.float32(sigma) * rng.standard_normal(size=frames.shape, dtype=np.float32)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
