"""Frames and ground truth of one simulated 3-D world (``draw3d``).

The ground truth has the 2-D world's schema (``bench.world.truth.Truth``) with the 3-D
extras of ``Truth3D``: ``world`` is the in-plane position (x, height) in metres as in the 2-D
world, ``pixel`` the perspective projection of each object's centre (index coordinates),
``px_per_m`` the scale at the depth of the motion plane in the first frame, ``origin`` the
projection of the world origin; the extras hold 3-D positions, per-object scale (m per px
at the object's depth), camera intrinsics and extrinsics per frame, depth order, contacts
and the look.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.world.pipeline import identity_tracks
from bench.world.truth import Truth
from bench.world3d import solids
from bench.world3d.camera import PerspectiveCamera
from bench.world3d.look import Look
from bench.world3d.render3d import AWAY, Stage, add_noise, amodal_mask, blur_mix, posed_points
from bench.world3d.sim3d import Sim3D

#: Largest motion of an object during the blur exposure, in its projected radii.
SMEAR = 0.7


@dataclass
class Truth3D(Truth):
    """``Truth`` plus the 3-D world's extras (written under ``"world3d"`` in truth.json)."""

    extra: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        d = super().to_json_dict()
        d["world3d"] = self.extra
        return d


def _pose_frame(stage: Stage, scene, i: int, pos3, quat, exists, rgb, mix, new_shape, colours: dict) -> list[int]:
    """Pose every solid for frame i; returns the body id shown per actor (-1: hidden)."""
    shown = []
    for a in range(len(scene.actors)):
        prim = stage.actor_ids[a]
        bid = prim
        if new_shape[a] is not None and mix[a, i] > 0:
            bid = stage.alternate(a, new_shape[a], float(mix[a, i]), rgb[a, i])
            stage.pose(prim, AWAY)
        elif a in stage.alt_ids:
            stage.pose(stage.alt_ids[a], AWAY)
        if not exists[a, i]:
            stage.pose(bid, AWAY)
            shown.append(-1)
            continue
        key = tuple(int(v) for v in rgb[a, i])
        if colours.get(bid) != key:
            stage.colour(bid, key)
            colours[bid] = key
        stage.pose(bid, pos3[a, i], quat[a, i])
        shown.append(bid)
    return shown


def _second_exposure(sim: Sim3D, scene, cam: PerspectiveCamera, t: float, fps: float, pos: np.ndarray,
                     shown: list[int]) -> tuple[tuple, list[int]]:
    """The blur sample: the world at ``t - e`` (e = half a frame interval, shortened so that no
    object moves more than ``SMEAR`` of its projected radius: two overlapping samples read as a
    smear, two apart as a ghost), and the body ids that move more than half a pixel in it."""
    e = 0.5 / fps
    here, depth = cam.project(pos)
    for _ in range(2):
        early = sim.sample3(np.array([max(t - e, 0.0)]))
        d = np.linalg.norm(cam.project(early[0][:, 0])[0] - here, axis=-1)
        r = np.array([cam.focal * a.half for a in scene.actors]) / np.maximum(depth, 1e-9)
        worst = max([d[a] / r[a] for a in range(len(shown)) if shown[a] >= 0] + [0.0])
        if worst <= SMEAR:
            break
        e *= SMEAR / worst
    moving = [shown[a] for a in range(len(shown)) if shown[a] >= 0 and d[a] > 0.5]
    return early, moving


def draw3d(probe: dict[str, Any], scene, sim: Sim3D, look: Look, cams: list[PerspectiveCamera],
           lights: list[dict], times: np.ndarray, fps: float, seed: int, k: int,
           rng: np.random.Generator, images: bool = True) -> tuple[np.ndarray | None, Truth3D]:
    """Render the simulated world at video ``times`` (one camera and light per frame).

    ``images=False``: no frames (None) and empty masks, only the kinematic truth (what a
    violation record compares)."""
    ed = sim.edits
    wt = ed.clock(times)
    pos3, quat, vel3 = sim.sample3(wt)
    N, T, H, W = len(scene.actors), len(times), cams[0].height, cams[0].width
    exists = np.stack([ed.exists(a, wt) for a in range(N)]) if N else np.zeros((0, T), bool)
    opacity = np.ones((N, T))
    for a, frs, alpha in ed.opacity:
        opacity[a, [f for f in frs if 0 <= f < T]] = alpha
    rgb, colour, shape, mix, new_shape = identity_tracks(scene, ed, wt)
    frames = np.zeros((T, H, W, 3), np.uint8)
    visible = np.zeros((N, T, H, W), bool)
    amodal = np.zeros((N, T, H, W), bool)
    background = np.zeros((T, H, W), np.float32)
    occ_c = np.stack([o.path.at(wt) for o in scene.occluders]) if scene.occluders else np.zeros((0, T, 2))
    bob_idx = [p.actor for p in scene.pendulums]
    if not images:
        return None, _truth(probe, scene, sim, cams, times, wt, pos3, vel3, exists, opacity, colour, shape, rgb,
                            mix, visible, amodal, background, occ_c, fps, seed, k, look)
    stage = Stage(scene, look, H, W)
    colours: dict[int, tuple] = {}
    try:
        for i in range(T):
            cam = cams[i]
            stage.place_static(occ_c[:, i], pos3[bob_idx, i])
            shown = _pose_frame(stage, scene, i, pos3, quat, exists, rgb, mix, new_shape, colours)
            shot = stage.shoot(cam, lights[i])
            img = shot.rgb
            for a in np.flatnonzero(opacity[:, i] < 1):
                if shown[a] >= 0:
                    stage.pose(shown[a], AWAY)
                    gone = stage.shoot(cam, lights[i])
                    al = opacity[a, i]
                    img = np.rint(al * img + (1 - al) * gone.rgb).astype(np.uint8)
                    stage.pose(shown[a], pos3[a, i], quat[a, i])
            early, moving = _second_exposure(sim, scene, cam, wt[i], fps, pos3[:, i], shown)
            if moving:
                _pose_frame(stage, scene, 0, early[0], early[1], exists[:, i:i + 1], rgb[:, i:i + 1],
                            mix[:, i:i + 1], new_shape, colours)
                img = blur_mix(shot.__class__(img, shot.seg), stage.shoot(cam, lights[i], shadow=False), moving)
            frames[i] = img
            background[i] = shot.seg == stage.wall
            for a in range(N):
                if shown[a] < 0:
                    continue
                visible[a, i] = (shot.seg == shown[a]) & (opacity[a, i] >= 0.5)
                pts = (solids.blend_points(scene.actors[a].shape, new_shape[a], scene.actors[a].half, mix[a, i])
                       if new_shape[a] is not None and mix[a, i] > 0 else None)
                pts = posed_points(scene.actors[a].shape, scene.actors[a].half, pos3[a, i], quat[a, i]) \
                    if pts is None else pts + pos3[a, i]
                amodal[a, i] = amodal_mask(cam, pts, H, W)
    finally:
        stage.close()
    frames = add_noise(frames, rng)
    return frames, _truth(probe, scene, sim, cams, times, wt, pos3, vel3, exists, opacity, colour, shape, rgb,
                          mix, visible, amodal, background, occ_c, fps, seed, k, look)


def _truth(probe, scene, sim, cams, times, wt, pos3, vel3, exists, opacity, colour, shape, rgb, mix,
           visible, amodal, background, occ_c, fps, seed, k, look) -> Truth3D:
    N, T = len(scene.actors), len(times)
    gone = ~exists[..., None]
    pix = np.zeros((N, T, 2))
    depth = np.zeros((N, T))
    for i, cam in enumerate(cams):
        if N:
            pix[:, i], depth[:, i] = cam.project(pos3[:, i])
    cam0 = cams[0]
    plane_depth = float(cam0.project(np.array([scene.view[0] / 2, 0.0, scene.view[1] / 2]))[1])
    origin = cam0.project(np.zeros(3))[0] + 0.5
    vis_frac = np.clip(visible.sum((2, 3)) / np.maximum(amodal.sum((2, 3)), 1), 0, 1)
    occluders = []
    for o, c in zip(scene.occluders, occ_c):
        y = solids.occluder_depth(scene, o.z)
        boxes = []
        for i, cam in enumerate(cams):
            corners = np.array([[c[i, 0] + sx * o.half_size[0], y, c[i, 1] + sy * o.half_size[1]]
                                for sx in (-1, 1) for sy in (-1, 1)])
            uv = cam.project(corners)[0]
            boxes.append([uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max()])
        occluders.append({"name": o.name, "colour": o.colour, "box": np.asarray(boxes)})
    order = np.argsort(-depth, axis=0) if N else np.zeros((0, T), int)     # far to near
    names = [a.name for a in scene.actors]
    contacts = [{"time": e.t, "kind": e.kind, "objects": [names[a] for a in e.actors],
                 "impact_speed": e.info.get("vn", 0.0)} for e in sim.events]
    extra = {"world3d_version": "1", "look": look.to_dict(),
             "position3d": np.where(gone, None, np.round(pos3, 6)).tolist(),
             "m_per_px": np.where(exists, depth / cam0.focal, None).tolist(),
             "depth": np.round(depth, 6).tolist(),
             "depth_order": [[names[a] for a in order[:, i]] for i in range(T)],
             "intrinsics": [cam.intrinsics().tolist() for cam in cams],
             "extrinsics": [np.round(cam.extrinsics(), 9).tolist() for cam in cams],
             "contacts": contacts}
    return Truth3D(
        probe_id=str(probe.get("id", "")), seed=int(seed), k=int(k), fps=float(fps), height=cam0.height,
        width=cam0.width, px_per_m=cam0.focal / plane_depth, origin=(float(origin[0]), float(origin[1])),
        times=np.asarray(times, np.float64), world_times=wt, names=names,
        world=np.where(gone, np.nan, pos3[..., [0, 2]]), velocity=np.where(gone, np.nan, vel3[..., [0, 2]]),
        pixel=np.where(gone, np.nan, pix), exists=exists, opacity=opacity, colour=colour, shape=shape,
        rgb=np.rint(rgb).astype(np.uint8), shape_mix=mix, size=[2 * a.half / scene.view[1] for a in scene.actors],
        visible=visible, amodal=amodal, visible_fraction=vis_frac, occluders=occluders,
        camera_offset=np.zeros((T, 2)), background=background, extra=extra)
