"""Solids of the 3-D world: how a 2-D scene's things become 3-D shapes, and where they sit.

==========  =====================================================================  ==========
2-D shape   3-D solid (half-extent r: the 2-D bounding square's half side)          collides as
==========  =====================================================================  ==========
disc        sphere of radius r                                                      sphere
ring        wheel: cylinder of radius r, thickness r, axis towards the camera       cylinder
box         cube of half side r                                                     cube
triangle    cone, base radius r at the bottom, apex 2r above it                     its hull
cup         upside-down cup: frustum, mouth radius r at the bottom, top radius 0.7 r
            (drawn closed: the camera never sees into it)                           4 walls + lid
==========  =====================================================================  ==========

Depth (world y) of the 2-D layers: a body, bob or cup of layer z sits at ``y = -z * spacing``
(nearer the camera for higher z) with ``spacing = 2.6 x`` the largest half-extent, so bodies
of different layers never touch (they "pass each other") while bodies of one layer collide;
a cup sits at the depth of its first content.  Occluders are thin screens at their layer's
depth; platforms and ramps are prisms deep enough for every layer.

Meshes (cone, cup, a shape blended with another for the shape-swap violation) are built as
convex hulls of point clouds (``scipy.spatial.ConvexHull``) with flat normals; the blend of
two shapes is the radial interpolation ``R(d) = (1 - m) R_a(d) + m R_b(d)`` of their
distances from the centre along each direction d.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import ConvexHull

from bench.world.scene import Scene

SEGMENTS = 20
CUP_TOP = 0.7
RING_THICKNESS = 1.0        # x r


def _circle(radius: float, z: float, n: int = SEGMENTS) -> np.ndarray:
    a = np.arange(n) * (2 * math.pi / n)
    return np.stack([radius * np.cos(a), radius * np.sin(a), np.full(n, z)], -1)


def _sphere_dirs(n_lat: int = 10, n_lon: int = 20) -> np.ndarray:
    lat = (np.arange(n_lat) + 0.5) / n_lat * math.pi - math.pi / 2
    lon = np.arange(n_lon) * (2 * math.pi / n_lon)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    d = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], -1).reshape(-1, 3)
    return np.concatenate([d, [[0, 0, 1.0], [0, 0, -1.0]]])


def shape_points(shape: str, r: float) -> np.ndarray:
    """(P, 3) points whose convex hull is the solid (local frame, z up, y towards the back)."""
    if shape == "disc":
        return r * _sphere_dirs()
    if shape == "box":
        return r * np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
    if shape == "triangle":
        return np.concatenate([_circle(r, -r), [[0.0, 0.0, r]]])
    if shape == "cup":
        return np.concatenate([_circle(r, -r), _circle(CUP_TOP * r, r)])
    if shape == "ring":
        c = _circle(r, 0.0)[:, [0, 2, 1]]             # a circle in the x-z plane
        h = 0.5 * RING_THICKNESS * r
        return np.concatenate([c + [0, -h, 0], c + [0, h, 0]])
    raise ValueError(f"unknown shape {shape!r}")


def radial_extent(points: np.ndarray, dirs: np.ndarray) -> np.ndarray:
    """Distance from the origin to the hull of ``points`` along each unit direction."""
    eq = ConvexHull(points).equations            # n . x + c <= 0 inside
    n, c = eq[:, :3], eq[:, 3]
    dots = dirs @ n.T
    with np.errstate(divide="ignore"):
        t = np.where(dots > 1e-12, -c[None] / dots, np.inf)
    return t.min(axis=1)


def blend_points(a: str, b: str, r: float, m: float) -> np.ndarray:
    """Points of shape ``a`` blended radially towards ``b`` with weight m in [0, 1]."""
    d = _sphere_dirs(14, 28)
    ra = radial_extent(shape_points(a, r), d) if a != "disc" else np.full(len(d), r)
    rb = radial_extent(shape_points(b, r), d) if b != "disc" else np.full(len(d), r)
    return d * ((1 - m) * ra + m * rb)[:, None]


def hull_mesh(points: np.ndarray) -> tuple[list, list, list]:
    """Flat-shaded triangle mesh of the convex hull: (vertices, indices, normals)."""
    hull = ConvexHull(points)
    verts, norms, idx = [], [], []
    centre = points.mean(axis=0)
    for simplex, eq in zip(hull.simplices, hull.equations):
        tri = points[simplex]
        n = eq[:3]
        if np.dot(np.cross(tri[1] - tri[0], tri[2] - tri[0]), n) < 0:
            tri = tri[[0, 2, 1]]
        if np.dot(tri.mean(0) - centre, n) < 0:
            n = -n
        base = len(verts)
        verts += tri.tolist()
        norms += [n.tolist()] * 3
        idx += [base, base + 1, base + 2]
    return verts, idx, norms


def layer_spacing(scene: Scene) -> float:
    return 2.6 * max([a.half for a in scene.actors] + [1e-3])


def actor_depths(scene: Scene) -> list[float]:
    """World y of every actor (``scene.actors`` order)."""
    sp = layer_spacing(scene)
    ys = [-a.z * sp for a in scene.actors]
    for c in scene.containers:
        if c.contents:
            ys[c.actor] = ys[scene.bodies[c.contents[0]].actor]
    return ys


def occluder_depth(scene: Scene, z: float) -> float:
    return -z * layer_spacing(scene)


def support_depth_range(scene: Scene) -> tuple[float, float]:
    """(y0, y1) depth extent of platforms and ramps: every layer's bodies fit on them."""
    ys = actor_depths(scene) or [0.0]
    pad = 1.5 * max([a.half for a in scene.actors] + [0.05])
    return min(ys) - pad, max(ys) + pad
