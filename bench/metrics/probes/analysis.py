"""One analysis per video, shared by every probe check.

``analyse(video, probe)`` runs detection (``detect``), association (``track``), the camera
estimate (``camera``) and the cover map (``scene``) once, and returns an ``Analysis`` that the
thirteen checks read.  Results are kept in a small LRU cache keyed by the video's content hash,
the probe's structured fields and the detector name, so the checks of one video (called one
after another by ``bench score``) share one analysis.

Coordinates: ``ObjectTrack.xy`` are *world* positions, i.e. image positions (original px, x
right, y down) minus the camera path, so a panning camera does not move a resting cup.
Detections keep image coordinates.
"""

from __future__ import annotations

import hashlib
import json
import math
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from bench.metrics.probes.background import static_foreign
from bench.metrics.probes.camera import CameraMotion, estimate_camera
from bench.metrics.probes.detect import DETECTORS, FOREIGN, Detection, ObjectSpec, downscale
from bench.metrics.probes.expect import count_target, roles
from bench.metrics.probes.scene import SceneMap, build_scene
from bench.metrics.probes.track import Track, associate, bind
from bench.video import Video

#: Fully visible: present, not at the frame edge, and at least this fraction of the object's
#: reference area (less means partly hidden).
FULL_AREA_FRAC = 0.9
#: A smaller detection (down to this fraction of the reference) is still fully visible when
#: nothing could hide any of it: motion blur spreads a fast object's colour thin, it does not
#: hide it (the disc of 0.6 diameters around it holds no cover and no other object).
BLUR_AREA_FRAC = 0.4
RUN_REF_MIN = 5
RUN_REF_FLOOR = 0.6
CACHE_SIZE = 8
#: Hidden fraction of an object's disc from which its absence counts as explained.
COVERED_FRAC = 0.25
#: Cover pixels needed near an object to call it a contact (a speck is not a wall).
MIN_CONTACT_PX = 4
#: Cover pixels within this distance (px) of the nearest one are the contact.
NEAREST_PX = 3.0
SAME_SURFACE_COS = 0.26  # cos 75 degrees


@dataclass
class ObjectTrack:
    """One named object over the whole video (arrays of length T; NaN / False where absent)."""

    spec: ObjectSpec
    cls: str
    dets: list[Detection | None]
    xy: np.ndarray               # (T, 2) world position (camera compensated)
    present: np.ndarray          # (T,) bool
    edge: np.ndarray             # (T,) bool: touches the frame border
    area: np.ndarray             # (T,)
    full: np.ndarray             # (T,) bool: fully visible
    ref_area: float              # typical unhidden area (median of the upper half of areas)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def diameter(self) -> float:
        """Equivalent diameter of the reference area (px)."""
        return 2.0 * math.sqrt(self.ref_area / math.pi)

    @property
    def seen(self) -> np.ndarray:
        return np.nonzero(self.present)[0]

    def absent_runs(self) -> list[tuple[int, int]]:
        """Inclusive (start, end) runs of absence after the first sighting (the last may reach T-1)."""
        seen = self.seen
        if not len(seen):
            return []
        return [r for r in runs(~self.present) if r[0] > seen[0]]


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (start, end) index runs where ``mask`` is True."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(np.int8))
    starts, ends = np.nonzero(d == 1)[0], np.nonzero(d == -1)[0] - 1
    return list(zip(starts.tolist(), ends.tolist()))


def frame_span(a: int, b: int) -> str:
    """'frame 7' or 'frames 7–9' (inclusive)."""
    return f"frame {a}" if a == b else f"frames {a}–{b}"


@dataclass
class Analysis:
    """Everything the checks read about one video."""

    T: int
    H: int
    W: int
    fps: float
    detector: str
    frames: list[list[Detection]]            # per-frame detections (image coordinates)
    objects: dict[str, ObjectTrack]
    extras: dict[str, list[Track]]           # per class: tracks bound to no named object
    foreign: list[Track]                     # components of colours the probe never names
    camera: CameraMotion
    scene: SceneMap
    setup_frames: int

    def missing(self, names: list[str]) -> list[str]:
        """Named objects not seen in the set-up window (the first quarter, at least 3 frames)."""
        out = []
        for n in names:
            o = self.objects.get(n)
            if o is None or not o.present[: self.setup_frames].any():
                out.append(n)
        return out

    def image_xy(self, t: int, world_xy: np.ndarray) -> np.ndarray:
        return np.asarray(world_xy, float) + self.camera.path[t]

    def absence(self, obj: ObjectTrack, t: int, world_xy: np.ndarray) -> str:
        """Why ``obj`` may be unseen at ``t`` if it were at ``world_xy``.

        ``outside``: at least half of the object's disc lies outside the frame;
        ``covered``: at least a quarter of its in-frame part is cover (a partly hidden object
        is often lost by the detector under compression, so only a mostly bare place counts) (an occluder, a container,
        a floor) or another named object (``blockers``); ``open``: bare backdrop — or an
        unnamed, off-colour blob, which may be the object itself changed — shows there,
        nothing explains its absence.
        """
        x, y = self.image_xy(t, world_xy)
        frac, inside = self.scene.hidden_fraction(t, x, y, obj.diameter / 2, self.blockers(obj, t))
        if inside < 0.5:
            return "outside"
        return "covered" if frac >= COVERED_FRAC else "open"

    def blockers(self, obj: ObjectTrack, t: int) -> list[tuple[float, float, float, float]]:
        """Bounding boxes of the other named objects seen at ``t`` (what may stand in front)."""
        return [o.dets[t].bbox for o in self.objects.values() if o is not obj and o.dets[t] is not None]

    def supported(self, obj: ObjectTrack, t: int, below: bool = True) -> bool:
        """Whether ``obj`` at frame ``t`` rests on something: static cover (floor, table,
        ramp) or another object within 0.04 H + 3 px below it (above it when ``below`` is
        False: gravity pointing up), the frame edge on that side, or (gravity down) a ground
        band seen in perspective around its lowest point (``SceneMap.on_ground``)."""
        d = obj.dets[t]
        if d is None:
            return False
        reach = 0.04 * self.H + 3.0
        x0, y0, x1, y1 = d.bbox
        if self.scene.surface_adjacent(x0, x1, y1 if below else y0, reach, below):
            return True
        if below and self.scene.on_ground(y1):
            return True
        for o in self.frames[t]:
            if o is d or o.cls == FOREIGN:
                continue
            ox0, oy0, ox1, oy1 = o.bbox
            if min(x1, ox1) - max(x0, ox0) <= 0:
                continue
            gap = oy0 - y1 if below else y0 - oy1
            if -0.5 * (y1 - y0) <= gap <= reach:
                return True
        return False

    def contact_normals(self, obj: ObjectTrack, t: int, travel: float = 0.0) -> list[np.ndarray]:
        """Unit directions (image x, y) from ``obj`` at frame ``t`` towards what it touches:
        cover (a floor, wall, ramp) or other objects within 0.1 D + 3 px of its outline (beyond
        the 2 px rim that cover ignores),
        plus ``travel`` px (how far it moves in a frame: a contact may fall between frames).
        Cover contributes the mean direction of its nearest pixels (within 3 px of the closest),
        or, when those spread more than 75 degrees from their mean, the mean of each side of it
        (a floor below, a wall beside: a corner gives both); each touching object the direction
        to its centre; a lowest point (plus ``travel``) inside the ground band adds straight down
        (``SceneMap.on_ground``), and there the band's own pixels (behind and around the object,
        ``SceneMap.occluding``) are no contact.  Empty when nothing touches it."""
        d = obj.dets[t]
        if d is None:
            return []
        m = 0.1 * obj.diameter + 3.0 + travel
        s = self.scene.scale
        h, w = self.scene.cover.shape[1:]
        x0, y0 = max(0, int((d.bbox[0] - m) * s)), max(0, int((d.bbox[1] - m) * s))
        x1, y1 = min(w, int(np.ceil((d.bbox[2] + m) * s))), min(h, int(np.ceil((d.bbox[3] + m) * s)))
        out: list[np.ndarray] = []
        grounded = self.scene.on_ground(d.bbox[3])
        # inside a ground band the floor is all around the object (behind it): only "down" counts
        cover = self.scene.occluding(t) if grounded else self.scene.cover[t]
        ys, xs = np.nonzero(cover[y0:y1, x0:x1])
        if len(xs) >= MIN_CONTACT_PX:
            v = np.stack([(xs + x0 + 0.5) / s - d.cx, (ys + y0 + 0.5) / s - d.cy], axis=1)
            dist = np.linalg.norm(v, axis=1)
            close = dist <= dist.min() + NEAREST_PX
            near = v[close] / np.maximum(dist[close, None], 1e-9)
            # the nearest cover is one surface when its directions stay within 75 degrees of
            # their mean (a flat floor's band of near pixels fans out ~50 degrees either side of
            # straight down, which fixed sectors would split into a floor and two false walls);
            # wider, it is two (a floor and a wall at a corner), split either side of the mean
            mean = near.mean(axis=0)
            groups = [near]
            if np.linalg.norm(mean) > 1e-9:
                u = mean / np.linalg.norm(mean)
                if (near @ u).min() < SAME_SURFACE_COS:
                    side = near[:, 0] * u[1] - near[:, 1] * u[0] >= 0
                    groups = [near[side], near[~side]]
            for group in groups:
                g = group.mean(axis=0) if len(group) else np.zeros(2)
                if len(group) >= 2 and np.linalg.norm(g) > 1e-9:
                    out.append(g / np.linalg.norm(g))
        if (grounded or self.scene.on_ground(d.bbox[3] + travel)) and not any(n[1] > SAME_SURFACE_COS for n in out):
            out.append(np.array([0.0, 1.0]))   # the ground band around its lowest point (perspective)
        for o in self.frames[t]:
            if o is d or o.cls == FOREIGN:
                continue
            ox0, oy0, ox1, oy1 = o.bbox
            if ox0 - m <= d.bbox[2] and d.bbox[0] <= ox1 + m and oy0 - m <= d.bbox[3] and d.bbox[1] <= oy1 + m:
                v = np.array([o.cx - d.cx, o.cy - d.cy])
                if np.linalg.norm(v) > 1e-9:
                    out.append(v / np.linalg.norm(v))
        return out

    def impostor(self, obj: ObjectTrack, where: Callable[[int], np.ndarray], t_from: int,
                 t_to: int | None = None) -> Detection | None:
        """The first detection of another colour, bound to no named object, within one diameter
        plus 0.05 H of ``where(t)`` (a predicted world position) for t in [t_from, t_to):
        what took the object's place (an identity swap)."""
        bound = {id(o.dets[t]) for o in self.objects.values() for t in range(self.T) if o.dets[t] is not None}
        for t in range(max(t_from, 0), self.T if t_to is None else min(t_to, self.T)):
            x, y = self.image_xy(t, where(t))
            for d in self.frames[t]:
                if (d.cls != obj.cls and id(d) not in bound
                        and math.hypot(d.cx - x, d.cy - y) <= obj.diameter + 0.05 * self.H):
                    return d
        return None

    def track_of(self, d: Detection) -> list[Detection]:
        """All detections linked with ``d`` (its track among extras and foreign tracks)."""
        for k in self.foreign + [k for ks in self.extras.values() for k in ks]:
            if k.dets.get(d.t) is d:
                return [k.dets[t] for t in sorted(k.dets)]
        return [d]


def _run_refs(present: np.ndarray, inner: np.ndarray, area: np.ndarray, ref: float) -> np.ndarray:
    """Per-frame unhidden-area reference: each run of sightings between absences with at
    least ``RUN_REF_MIN`` unclipped frames has its own (the median of the upper half of its
    areas), so an object that comes back from behind an occluder bigger or smaller (a changed
    shape) is not read as partly hidden for the whole of its other run; shorter runs use the
    whole track's ``ref``.  A run's own reference is never below ``RUN_REF_FLOOR`` x ``ref``:
    an object half hidden for a whole run stays partly hidden."""
    out = np.full(len(present), ref)
    for a, b in runs(present):
        sel = inner[a:b + 1]
        if int(sel.sum()) >= RUN_REF_MIN:
            out[a:b + 1] = max(_unhidden_area(area[a:b + 1][sel]), RUN_REF_FLOOR * ref)
    return out


def _unhidden_area(areas: np.ndarray) -> float:
    """The typical *unhidden* area: the median of the upper half of the unclipped areas, so
    frames spent half behind an occluder do not shrink it."""
    x = np.sort(areas)
    return float(np.median(x[len(x) // 2:]))


def _object_track(spec: ObjectSpec, cls: str, chain: list[Track], T: int, H: int,
                  path: np.ndarray) -> ObjectTrack:
    dets: list[Detection | None] = [None] * T
    for k in chain:
        for t, d in k.dets.items():
            dets[t] = d
    present = np.array([d is not None for d in dets])
    xy = np.full((T, 2), np.nan)
    area = np.full(T, np.nan)
    edge = np.zeros(T, bool)
    for t, d in enumerate(dets):
        if d is not None:
            xy[t] = (d.cx - path[t, 0], d.cy - path[t, 1])
            area[t] = d.area
            edge[t] = d.edge
    inner = present & ~edge
    if inner.any():
        ref = _unhidden_area(area[inner])
    else:
        ref = float(np.nanmax(area)) if present.any() else spec.expected_area(H)
    full = inner & (np.nan_to_num(area) >= FULL_AREA_FRAC * _run_refs(present, inner, area, ref))
    return ObjectTrack(spec=spec, cls=cls, dets=dets, xy=xy, present=present, edge=edge, area=area,
                       full=full, ref_area=ref)


def _unblur(obj: ObjectTrack, scene: SceneMap, objects: dict[str, ObjectTrack]) -> None:
    """Mark as fully visible the smaller sightings of ``obj`` that nothing could hide
    (``BLUR_AREA_FRAC``): a motion-blurred fast object, whose frames would otherwise open gaps
    in its track that the velocity tests misread."""
    for t in np.nonzero(obj.present & ~obj.edge & ~obj.full)[0]:
        d = obj.dets[t]
        if d.area < BLUR_AREA_FRAC * obj.ref_area:
            continue
        others = [o.dets[t].bbox for o in objects.values() if o is not obj and o.dets[t] is not None]
        near = [b for b in others if b[0] - obj.diameter <= d.cx <= b[2] + obj.diameter
                and b[1] - obj.diameter <= d.cy <= b[3] + obj.diameter]
        if near:
            continue
        hidden, inside = scene.hidden_fraction(int(t), d.cx, d.cy, 0.6 * obj.diameter)
        if hidden == 0.0 and inside >= 1.0:
            obj.full[t] = True


#: A foreign track is a patch of the backdrop when in this share of its sightings the frame under
#: its box matches the static scene (the temporal median) in this share of the pixels.
PATCH_SHARE, PATCH_MATCH = 0.8, 0.8


def _backdrop_patch(k: Track, scene: SceneMap, setup_frames: int) -> bool:
    """Whether a foreign track is only texture of the static scene crossing a colour boundary
    (wall tiles flickering in and out of "grey" under noise): its sightings jump from patch to
    patch, so it is not still, yet every one of them shows what the set-up frames (their median)
    showed there.  A new object differs from the set-up frames where it is."""
    med = np.median(scene.grey[:setup_frames].astype(np.float32), axis=0)
    s = scene.scale
    h, w = med.shape
    good = 0
    for t, d in k.dets.items():
        x0, y0, x1, y1 = d.bbox
        r0, r1 = max(int(y0 * s), 0), min(int(np.ceil(y1 * s)) + 1, h)
        c0, c1 = max(int(x0 * s), 0), min(int(np.ceil(x1 * s)) + 1, w)
        if r1 <= r0 or c1 <= c0:
            continue
        diff = np.abs(scene.grey[t, r0:r1, c0:c1].astype(np.float32) - med[r0:r1, c0:c1])
        good += float((diff <= 12.0).mean()) >= PATCH_MATCH
    return good >= PATCH_SHARE * len(k.dets)


def _probe_key(probe: dict[str, Any]) -> str:
    sub = {k: probe.get(k) for k in ("id", "objects", "expect")}
    return hashlib.sha256(json.dumps(sub, sort_keys=True, default=str).encode()).hexdigest()


_hash_memo: dict[int, tuple[weakref.ref, str]] = {}
_cache: OrderedDict[tuple[str, str, str], Analysis] = OrderedDict()


def _content_hash(video: Video) -> str:
    """``video.content_hash()``, memoised per frames array (the checks of one video share it)."""
    arr = video.frames
    hit = _hash_memo.get(id(arr))
    if hit is not None and hit[0]() is arr:
        return hit[1]
    h = video.content_hash()
    for k in [k for k, (ref, _) in _hash_memo.items() if ref() is None]:
        del _hash_memo[k]
    _hash_memo[id(arr)] = (weakref.ref(arr), h)
    return h


def analyse(video: Video, probe: dict[str, Any], detector: str = "colour") -> Analysis:
    """The shared analysis of ``video`` for ``probe`` (cached; see the module docstring)."""
    key = (_content_hash(video), _probe_key(probe), detector)
    hit = _cache.get(key)
    if hit is not None:
        _cache.move_to_end(key)
        return hit
    result = _analyse(video, probe, DETECTORS.get(detector)())
    _cache[key] = result
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return result


def clear_cache() -> None:
    _cache.clear()


def _analyse(video: Video, probe: dict[str, Any], det: Any) -> Analysis:
    frames = video.frames
    T, H, W = video.T, video.H, video.W
    specs = ObjectSpec.from_probe(probe)
    expect = probe.get("expect") or {}
    target = count_target(probe)
    extra = [target["colour"]] if target else []
    hint = probe.get("background") or []
    result = det.detect(frames, specs, extra_colours=extra, background=[hint] if isinstance(hint, str) else hint)
    small, _ = downscale(frames)
    camera = estimate_camera(small, result.labels, result.frames, result.scale, H)
    scene = build_scene(small, result.labels, result.scale)
    setup_frames = min(T, max(3, math.ceil(T / 4)))
    by_cls: dict[str, list[ObjectSpec]] = {}
    for s in specs:
        by_cls.setdefault(det.class_of(s), []).append(s)
    counted = {target["colour"]: int(target["n"])} if target else {}
    background: set[int] = set()
    classes = list(dict.fromkeys(list(by_cls) + [c for c in extra if c not in by_cls]))
    objects: dict[str, ObjectTrack] = {}
    extras: dict[str, list[Track]] = {}
    for cls in classes:
        tracks = associate(result.frames, cls, H)
        chains, extras[cls] = bind(tracks, by_cls.get(cls, []), H, setup_frames, roles(expect))
        if len(by_cls.get(cls, [])) >= counted.get(cls, 0):
            extras[cls], bg = static_foreign(extras[cls], H)
            background.update(id(d) for k in bg for d in k.dets.values())
        for s in by_cls.get(cls, []):
            objects[s.name] = _object_track(s, cls, chains[s.name], T, H, camera.path)
    for o in objects.values():
        _unblur(o, scene, objects)
    foreign, _ = static_foreign(associate(result.frames, FOREIGN, H), H)
    foreign = [k for k in foreign if not _backdrop_patch(k, scene, setup_frames)]
    frames_seen = [[d for d in ds if id(d) not in background] for ds in result.frames]
    return Analysis(T=T, H=H, W=W, fps=video.fps, detector=det.name, frames=frames_seen,
                    objects=objects, extras=extras, foreign=foreign, camera=camera, scene=scene,
                    setup_frames=setup_frames)
