"""The perspective camera of the 3-D world: placement, matrices and projection.

World axes: ``x`` right (the 2-D scene's x), ``y`` into the scene (depth; the 2-D scene's
plane is y = 0, higher 2-D layers ``z`` sit nearer the camera, at negative y), ``z`` up (the
2-D scene's y).  Metres.

Pinhole model (OpenCV convention: camera x right, y down, z forward)::

    X_c = R (X - eye),   u = f X_c.x / X_c.z + c_x,   v = f X_c.y / X_c.z + c_y

with ``f = (H / 2) / tan(fov / 2)`` px (square pixels) and ``(c_x, c_y) = (W/2, H/2)`` in
edge coordinates; index coordinates (pixel centres at integers, as a mask centroid reports
them) are edge coordinates minus 0.5.  The OpenGL matrices handed to PyBullet's
TinyRenderer describe the same camera (checked in the tests against rendered mask centroids).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

NEAR, FAR = 0.05, 200.0


@dataclass(frozen=True)
class PerspectiveCamera:
    eye: tuple[float, float, float]
    target: tuple[float, float, float]
    fov: float                   # vertical, degrees
    height: int
    width: int

    @property
    def focal(self) -> float:
        """Focal length in pixels."""
        return (self.height / 2) / math.tan(math.radians(self.fov) / 2)

    def axes(self) -> np.ndarray:
        """(3, 3) rows: camera right, down, forward in world coordinates (= R)."""
        return self._axes

    @cached_property
    def _axes(self) -> np.ndarray:
        f = np.subtract(self.target, self.eye)
        f = f / np.linalg.norm(f)
        r = np.cross(f, [0.0, 0.0, 1.0])
        r = r / np.linalg.norm(r)
        down = np.cross(f, r)
        return np.stack([r, down, f])

    def intrinsics(self) -> np.ndarray:
        """3x3 K in index coordinates (principal point (W - 1)/2, (H - 1)/2)."""
        f = self.focal
        return np.array([[f, 0, self.width / 2 - 0.5], [0, f, self.height / 2 - 0.5], [0, 0, 1.0]])

    def extrinsics(self) -> np.ndarray:
        """3x4 [R | t] mapping world to camera coordinates (t = -R eye)."""
        R = self.axes()
        return np.concatenate([R, (-R @ np.asarray(self.eye))[:, None]], axis=1)

    def project(self, xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (..., 3) -> (pixel index coordinates (..., 2), depth along the axis (...))."""
        X = np.asarray(xyz, np.float64) - np.asarray(self.eye)
        c = X @ self.axes().T
        z = c[..., 2]
        f = self.focal
        u = f * c[..., 0] / z + self.width / 2 - 0.5
        v = f * c[..., 1] / z + self.height / 2 - 0.5
        return np.stack([u, v], axis=-1), z

    def view_matrix(self) -> list[float]:
        """OpenGL view matrix, column-major (as ``pybullet.computeViewMatrix`` returns)."""
        R = self.axes()
        M = np.eye(4)
        M[0, :3], M[1, :3], M[2, :3] = R[0], -R[1], -R[2]
        M[:3, 3] = -M[:3, :3] @ np.asarray(self.eye)
        return M.T.reshape(-1).tolist()

    def projection_matrix(self) -> list[float]:
        """OpenGL perspective projection, column-major."""
        t = 1.0 / math.tan(math.radians(self.fov) / 2)
        a = self.width / self.height
        M = np.zeros((4, 4))
        M[0, 0], M[1, 1] = t / a, t
        M[2, 2], M[2, 3] = -(FAR + NEAR) / (FAR - NEAR), -2 * FAR * NEAR / (FAR - NEAR)
        M[3, 2] = -1.0
        return M.T.reshape(-1).tolist()

    def moved(self, shift: np.ndarray) -> "PerspectiveCamera":
        """The camera translated by ``shift`` (3,) metres (eye and target alike)."""
        s = np.asarray(shift, np.float64)
        return PerspectiveCamera(tuple(np.add(self.eye, s).tolist()), tuple(np.add(self.target, s).tolist()),
                                 self.fov, self.height, self.width)


def place_camera(view: tuple[float, float], floor_y: float | None, height: int, width: int, fov: float,
                 pitch: float, yaw: float) -> PerspectiveCamera:
    """A camera that sees the 2-D view rectangle [0, w] x [0, h] (plane y = 0) with a margin,
    looking ``pitch`` degrees down and turned ``yaw`` degrees, from in front of the plane."""
    vw, vh = view
    half_v = math.tan(math.radians(fov) / 2)
    dist = 1.06 * max((vh / 2) / half_v, (vw / 2) / (half_v * width / height))
    p, y = math.radians(pitch), math.radians(yaw)
    fwd = np.array([math.sin(y) * math.cos(p), math.cos(y) * math.cos(p), -math.sin(p)])
    target = np.array([vw / 2, 0.0, vh / 2])
    eye = target - dist * fwd
    return PerspectiveCamera(tuple(eye.tolist()), tuple(target.tolist()), float(fov), int(height), int(width))
