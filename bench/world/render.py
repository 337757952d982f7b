"""Anti-aliased 2-D renderer of the oracle world (vectorised numpy, CPU).

``render(scene, camera, sprites, occluder_centres, strings) -> Rendered``: uint8 frames
``(T, H, W, 3)`` and, per probe object, its visible and amodal masks.

Geometry and anti-aliasing
--------------------------
Every shape is a signed distance function sd (pixels, negative inside) evaluated at pixel
centres; a pixel's coverage is ``clip(0.5 - sd, 0, 1)``, which is the exact area fraction
of the pixel for a straight edge crossing it axis-aligned and a close approximation
otherwise.  A shape swap (violation) blends two distance functions,
``sd = (1 - mix) sd_a + mix sd_b``.  Shapes of half-extent r (see ``bench.world.scene``):
disc, ring (radii r and 0.55 r), box, isosceles triangle (apex up), cup (trapezoid, mouth down).

Compositing
-----------
Layers are composited **front to back** (higher z first; equal z: later objects in front)
with the transmittance ``A`` (the fraction of a pixel not yet covered by nearer layers):
a layer of coverage c and colour k adds ``w = c A`` of k and leaves ``A (1 - c)``; the
backdrop gets the remaining A.  So ``w`` is exactly how much of a pixel's colour comes from
that object: the **visible mask** is ``w >= 0.5`` and the **amodal mask** (the object as if
nothing were in front) is ``c >= 0.5`` where the object exists.  Blending is in sRGB values;
colours are the flat palette colours (no shading), so a colour detector sees the palette.

Cost
----
Each object is evaluated only inside a fixed-size window around its bounding box, for all
frames at once (a ``(T, h, w)`` gather/scatter); static scenery (floor, platforms, ramps,
fixed occluders) is evaluated once and applied to the rows/columns it covers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from bench.suites.palette import SCENE_COLOURS
from bench.world.scene import Scene

STRING_COLOUR = "dark grey"
STRING_HALF_WIDTH = 0.6          # px
PIVOT_RADIUS = 2.0               # px

#: Area of each shape in units of r^2 (r = half-extent), for the visible fraction.
SHAPE_AREA = {"disc": math.pi, "ring": math.pi * (1 - 0.55 ** 2), "box": 4.0, "triangle": 2.0, "cup": 3.4}

_TRIANGLE = np.array([[0.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])            # y down, apex up
_CUP = np.array([[-0.7, -1.0], [0.7, -1.0], [1.0, 1.0], [-1.0, 1.0]])    # base on top, mouth down


@dataclass(frozen=True)
class Camera:
    """World (metres, y up) to pixel mapping.

    Edge coordinates: ``u = ox + s x``, ``v = oy - s y`` (pixel column j covers u in [j, j+1)).
    Index coordinates (pixel centres at integers, as a mask centroid reports them) are
    edge coordinates minus 0.5.  ``s = min(W / view_w, H / view_h)`` px per metre and the
    view is centred in the frame.
    """

    height: int
    width: int
    scale: float
    ox: float
    oy: float

    @classmethod
    def for_view(cls, view: tuple[float, float], height: int, width: int) -> "Camera":
        s = min(width / view[0], height / view[1])
        return cls(height, width, s, width / 2 - s * view[0] / 2, height / 2 + s * view[1] / 2)

    def to_edge(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, np.float64)
        return np.stack([self.ox + self.scale * xy[..., 0], self.oy - self.scale * xy[..., 1]], axis=-1)

    def to_index(self, xy: np.ndarray) -> np.ndarray:
        return self.to_edge(xy) - 0.5


@dataclass
class Sprite:
    """How one probe object is drawn in each of T frames."""

    shape: str
    half: float                  # half-extent in px
    centre: np.ndarray           # (T, 2) edge coordinates
    rgb: np.ndarray              # (T, 3) float sRGB 0..255
    alpha: np.ndarray            # (T,) opacity (0 where the object does not exist)
    geometry: np.ndarray         # (T,) bool: the object exists (amodal mask drawn)
    z: float
    new_shape: str | None = None
    mix: np.ndarray | None = None    # (T,) blend towards new_shape

    def area(self) -> np.ndarray:
        """Full area in px^2 per frame (shape blend: area-weighted by mix)."""
        a = SHAPE_AREA[self.shape] * self.half ** 2
        if self.new_shape is None or self.mix is None:
            return np.full(len(self.alpha), a)
        return (1 - self.mix) * a + self.mix * SHAPE_AREA[self.new_shape] * self.half ** 2


@dataclass
class Rendered:
    frames: np.ndarray           # (T, H, W, 3) uint8
    visible: np.ndarray          # (N, T, H, W) bool
    amodal: np.ndarray           # (N, T, H, W) bool
    visible_area: np.ndarray     # (N, T) px^2 of the object's colour in the frame
    background: np.ndarray       # (T, H, W) float32: weight of the backdrop per pixel


# --------------------------------------------------------------------------- distance functions


def _polygon_sd(px: np.ndarray, py: np.ndarray, verts: np.ndarray) -> np.ndarray:
    """Exact signed distance to a convex polygon (vertices in order, any orientation)."""
    d2 = np.full(np.broadcast_shapes(px.shape, py.shape), np.inf)
    inside = None
    orient = np.sign(np.cross(verts[1] - verts[0], verts[2] - verts[1]))
    for k in range(len(verts)):
        a, b = verts[k], verts[(k + 1) % len(verts)]
        ex, ey = b - a
        wx, wy = px - a[0], py - a[1]
        h = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
        d2 = np.minimum(d2, (wx - ex * h) ** 2 + (wy - ey * h) ** 2)
        side = (ex * wy - ey * wx) * orient >= 0
        inside = side if inside is None else inside & side
    d = np.sqrt(d2)
    return np.where(inside, -d, d)


def shape_sd(shape: str, dx: np.ndarray, dy: np.ndarray, r: float) -> np.ndarray:
    """Signed distance (px) of pixel offsets (dx, dy) (y down) to ``shape`` of half-extent r."""
    if shape == "disc":
        return np.sqrt(dx * dx + dy * dy) - r
    if shape == "ring":
        return np.abs(np.sqrt(dx * dx + dy * dy) - 0.775 * r) - 0.225 * r
    if shape == "box":
        return box_sd(dx, dy, r, r)
    if shape == "triangle":
        return _polygon_sd(dx, dy, _TRIANGLE * r)
    if shape == "cup":
        return _polygon_sd(dx, dy, _CUP * r)
    raise ValueError(f"unknown shape {shape!r}")


def box_sd(dx: np.ndarray, dy: np.ndarray, hx: float, hy: float) -> np.ndarray:
    qx = np.abs(dx) - hx
    qy = np.abs(dy) - hy
    return np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0)


def _segment_sd(px: np.ndarray, py: np.ndarray, a: np.ndarray, b: np.ndarray, half_width: float) -> np.ndarray:
    """Distance to segments a->b (a, b: (T, 2) broadcast over the window) minus half width."""
    ax, ay = a[:, 0, None, None], a[:, 1, None, None]
    ex, ey = (b[:, 0] - a[:, 0])[:, None, None], (b[:, 1] - a[:, 1])[:, None, None]
    wx, wy = px - ax, py - ay
    h = np.clip((wx * ex + wy * ey) / np.maximum(ex * ex + ey * ey, 1e-12), 0.0, 1.0)
    return np.hypot(wx - ex * h, wy - ey * h) - half_width


def coverage(sd: np.ndarray) -> np.ndarray:
    return np.clip(0.5 - sd, 0.0, 1.0).astype(np.float32)


# --------------------------------------------------------------------------- compositor


class _Canvas:
    """Front-to-back accumulation of colour and transmittance for T frames.

    Colour is stored channel-first, ``(3, T, H, W)``, so every update is a contiguous
    scalar multiply-add per channel (a trailing size-3 axis defeats numpy's vector loops).
    """

    def __init__(self, T: int, H: int, W: int):
        self.T, self.H, self.W = T, H, W
        self.colour = np.zeros((3, T, H, W), np.float32)
        self.trans = np.ones((T, H, W), np.float32)

    def window(self, lo: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, ...]:
        """Index arrays of a (h, w) window per frame with top-left ``lo`` (T, 2) = (col, row)
        clamped into the frame; returns (t, rows, cols) broadcastable to (T, h, w)."""
        h, w = size
        c0 = np.clip(lo[:, 0], 0, self.W - w).astype(np.intp)
        r0 = np.clip(lo[:, 1], 0, self.H - h).astype(np.intp)
        rows = r0[:, None, None] + np.arange(h)[None, :, None]
        cols = c0[:, None, None] + np.arange(w)[None, None, :]
        return np.arange(self.T)[:, None, None], rows, cols

    def add_window(self, idx: tuple[np.ndarray, ...], cov: np.ndarray, rgb: np.ndarray) -> np.ndarray:
        """Composite coverage ``cov`` (T, h, w) of colours ``rgb`` (T, 3) behind what is
        there; returns the visible weight w = cov * transmittance."""
        t = self.trans[idx]
        w = cov * t
        rgb = np.asarray(rgb, np.float32)
        for ch in range(3):
            self.colour[ch][idx] += w * rgb[:, ch, None, None]
        self.trans[idx] = t - w
        return w

    def add_static(self, rows: slice, cols: slice, cov: np.ndarray, rgb: tuple[int, int, int]) -> None:
        t = self.trans[:, rows, cols]
        w = cov[None] * t
        for ch in range(3):
            self.colour[ch, :, rows, cols] += w * np.float32(rgb[ch])
        self.trans[:, rows, cols] = t - w

    def finish(self, rgb: tuple[int, int, int]) -> np.ndarray:
        """Add the backdrop and quantise: uint8 (T, H, W, 3)."""
        for ch in range(3):
            self.colour[ch] += self.trans * np.float32(rgb[ch])
        np.rint(self.colour, out=self.colour)
        np.clip(self.colour, 0, 255, out=self.colour)
        u8 = self.colour.astype(np.uint8).reshape(3, self.T * self.H, self.W)
        return cv2.merge([u8[0], u8[1], u8[2]]).reshape(self.T, self.H, self.W, 3)   # fast interleave


def _grid(idx: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre edge coordinates (x, y) of a window."""
    _, rows, cols = idx
    return cols + 0.5, rows + 0.5


def _static_box(camera: Camera, x0: float, x1: float, y0: float, y1: float) -> tuple[slice, slice, np.ndarray] | None:
    """Coverage of the world rectangle [x0, x1] x [y0, y1] restricted to the pixels it touches."""
    (u0, v1), (u1, v0) = camera.to_edge(np.array([[x0, y0], [x1, y1]]))
    c0, c1 = max(int(math.floor(u0)), 0), min(int(math.ceil(u1)), camera.width)
    r0, r1 = max(int(math.floor(v0)), 0), min(int(math.ceil(v1)), camera.height)
    if c0 >= c1 or r0 >= r1:
        return None
    xs = np.arange(c0, c1) + 0.5
    ys = np.arange(r0, r1) + 0.5
    cx = np.clip(np.minimum(xs + 0.5, u1) - np.maximum(xs - 0.5, u0), 0, 1)   # exact 1-D overlaps
    cy = np.clip(np.minimum(ys + 0.5, v1) - np.maximum(ys - 0.5, v0), 0, 1)
    return slice(r0, r1), slice(c0, c1), (cy[:, None] * cx[None, :]).astype(np.float32)


def _static_polygon(camera: Camera, poly: tuple[tuple[float, float], ...]) -> tuple[slice, slice, np.ndarray] | None:
    pts = camera.to_edge(np.asarray(poly, np.float64))
    c0, c1 = max(int(math.floor(pts[:, 0].min())) - 1, 0), min(int(math.ceil(pts[:, 0].max())) + 1, camera.width)
    r0, r1 = max(int(math.floor(pts[:, 1].min())) - 1, 0), min(int(math.ceil(pts[:, 1].max())) + 1, camera.height)
    if c0 >= c1 or r0 >= r1:
        return None
    xs = (np.arange(c0, c1) + 0.5)[None, :]
    ys = (np.arange(r0, r1) + 0.5)[:, None]
    return slice(r0, r1), slice(c0, c1), coverage(_polygon_sd(xs, ys, pts))


def render(scene: Scene, camera: Camera, T: int, sprites: list[Sprite], occluder_centres: np.ndarray,
           strings: list[tuple[np.ndarray, np.ndarray, float]]) -> Rendered:
    """Render T frames.

    sprites: one per probe object (``scene.actors`` order); occluder_centres: (K, T, 2)
    world centres of ``scene.occluders``; strings: (pivot (2,) world, bob centres (T, 2)
    world, z) for pendulums.
    """
    H, W = camera.height, camera.width
    canvas = _Canvas(T, H, W)
    N = len(sprites)
    visible = np.zeros((N, T, H, W), bool)
    amodal = np.zeros((N, T, H, W), bool)
    visible_area = np.zeros((N, T))
    s = camera.scale

    # (z, order, kind, payload): drawn front to back = descending (z, order)
    layers: list[tuple[float, int, str, int]] = []
    for i, sp in enumerate(sprites):
        layers.append((sp.z, i, "sprite", i))
    for k, occ in enumerate(scene.occluders):
        layers.append((occ.z, N + k, "occluder", k))
    for k, (_, _, z) in enumerate(strings):
        layers.append((z - 0.01, -1, "string", k))
    layers.sort(key=lambda l: (-l[0], -l[1]))

    for _, _, kind, k in layers:
        if kind == "sprite":
            sp = sprites[k]
            size = min(int(math.ceil(2 * sp.half)) + 3, H), min(int(math.ceil(2 * sp.half)) + 3, W)
            lo = np.floor(sp.centre - sp.half - 1)
            idx = canvas.window(lo, size)
            gx, gy = _grid(idx)
            dx, dy = gx - sp.centre[:, 0, None, None], gy - sp.centre[:, 1, None, None]
            sd = shape_sd(sp.shape, dx, dy, sp.half)
            if sp.new_shape is not None and sp.mix is not None and sp.mix.any():
                m = sp.mix[:, None, None]
                sd = (1 - m) * sd + m * shape_sd(sp.new_shape, dx, dy, sp.half)
            geo = coverage(sd)
            w = canvas.add_window(idx, geo * sp.alpha[:, None, None].astype(np.float32), sp.rgb)
            visible_area[k] = w.sum(axis=(1, 2))
            visible[k][idx] = w >= 0.5
            amodal[k][idx] = (geo >= 0.5) & sp.geometry[:, None, None]
        elif kind == "occluder":
            occ = scene.occluders[k]
            hx, hy = occ.half_size * s
            rgb = SCENE_COLOURS[occ.colour]
            if len(occ.path.times) == 1:
                box = _static_box(camera, *(occ.path.points[0, 0] + np.array([-1, 1]) * occ.half_size[0]),
                                  *(occ.path.points[0, 1] + np.array([-1, 1]) * occ.half_size[1]))
                if box is not None:
                    canvas.add_static(*box, rgb)
                continue
            centre = camera.to_edge(occluder_centres[k])
            size = min(int(math.ceil(2 * hy)) + 3, H), min(int(math.ceil(2 * hx)) + 3, W)
            idx = canvas.window(np.floor(centre - np.array([hx, hy]) - 1), size)
            gx, gy = _grid(idx)
            cov = coverage(box_sd(gx - centre[:, 0, None, None], gy - centre[:, 1, None, None], hx, hy))
            canvas.add_window(idx, cov, np.tile(np.asarray(rgb, np.float32), (T, 1)))
        else:
            pivot, bob, _ = strings[k]
            a = np.tile(camera.to_edge(pivot), (T, 1))
            b = camera.to_edge(bob)
            lo = np.floor(np.minimum(a, b) - 2)
            ext = np.ceil((np.maximum(a, b) - np.minimum(a, b)).max(axis=0)) + 5
            idx = canvas.window(lo, (min(int(ext[1]), H), min(int(ext[0]), W)))
            gx, gy = _grid(idx)
            sd = np.minimum(_segment_sd(gx, gy, a, b, STRING_HALF_WIDTH),
                            np.hypot(gx - a[:, 0, None, None], gy - a[:, 1, None, None]) - PIVOT_RADIUS)
            rgb = np.tile(np.asarray(SCENE_COLOURS[STRING_COLOUR], np.float32), (T, 1))
            canvas.add_window(idx, coverage(sd), rgb)

    # scenery behind everything: platforms and ramps, then the floor
    for sup in scene.supports:
        if sup.kind == "floor":
            continue
        sl = _static_polygon(camera, sup.polygon)
        if sl is not None:
            canvas.add_static(*sl, SCENE_COLOURS[sup.colour])
    if scene.floor is not None:
        fy = scene.floor.q[1]
        bottom = min(fy, -scene.view[1])          # far below the view: the band reaches the frame edge
        box = _static_box(camera, -1e3 * scene.view[0], 1e3 * scene.view[0], bottom - 1.0, fy)
        if box is not None:
            canvas.add_static(*box, SCENE_COLOURS[scene.floor.colour])
    background = canvas.trans.copy()
    frames = canvas.finish(SCENE_COLOURS[scene.background])
    return Rendered(frames, visible, amodal, visible_area, background)
