"""Ground truth of an oracle render: what is where, visible or not, and who is who, per frame.

``Truth`` holds, for the N probe objects (``names``, in the probe's ``objects`` order) and T
frames:

=====================  ============  ===========================================================
field                  shape         meaning
=====================  ============  ===========================================================
times                  (T,)          video time of frame i, i / fps (seconds)
world_times            (T,)          world time shown (differs from ``times`` only when the
                                     frozen-video violation stops the clock)
world                  (N, T, 2)     centre in metres (x right, y up); NaN where it does not exist
velocity               (N, T, 2)     m/s; NaN where it does not exist
pixel                  (N, T, 2)     centre in pixel **index** coordinates (x = column, y = row;
                                     pixel (r, c) has its centre at (c, r), as a mask centroid
                                     reports it); NaN where it does not exist
exists                 (N, T)        the object exists in the world (False after a vanish)
opacity                (N, T)        drawing opacity (< 1 only in flicker frames)
colour, shape          N x T names   identity per frame (palette colour nearest the drawn colour;
                                     the drawn shape, or the new one once a shape swap's mix >= 0.5)
rgb                    (N, T, 3)     drawn sRGB colour
shape_mix              (N, T)        blend towards the swapped shape (0 = original)
visible                (N, T, H, W)  visible mask: the object contributes >= half a pixel's colour
amodal                 (N, T, H, W)  amodal mask: the object's own coverage >= 0.5 where it exists
visible_fraction       (N, T)        visible area in the frame / the object's full area
camera_offset          (T, 2)        px the camera image was shifted by (shake nuisance), else 0
=====================  ============  ===========================================================

plus ``px_per_m`` (scale), ``origin`` (edge coordinates of the world origin: pixel index
coordinates are ``(origin_x + s x - 0.5, origin_y - s y - 0.5)`` plus the camera offset),
``fps``, the frame size, the occluders' boxes per frame, and the violation and nuisance
records.

Derived: ``intervals()`` (maximal runs of frames with ``visible_fraction >= VISIBLE``, end
exclusive) and ``counts()`` (per object colour and frame, the number of existing objects with
their centre inside the frame, ``amodal``, and of visible ones, ``visible``).

Serialisation (``to_bytes`` / ``from_bytes`` / ``load_truth``): ``truth.npz`` holds the two
mask stacks bit-packed (``numpy.packbits`` of the flattened bool arrays, with their shape);
``truth.json`` holds everything else (NaN written as null).  ``background`` (the backdrop's
per-pixel weight, used by the background-texture nuisance) lives in memory only.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import UserError

#: A frame counts as "visible" for an object when at least this fraction of its area shows.
VISIBLE = 0.5
FORMAT = "bench.world.truth/1"


@dataclass
class Truth:
    probe_id: str
    seed: int
    k: int
    fps: float
    height: int
    width: int
    px_per_m: float
    origin: tuple[float, float]
    times: np.ndarray
    world_times: np.ndarray
    names: list[str]
    world: np.ndarray
    velocity: np.ndarray
    pixel: np.ndarray
    exists: np.ndarray
    opacity: np.ndarray
    colour: list[list[str]]
    shape: list[list[str]]
    rgb: np.ndarray
    shape_mix: np.ndarray
    size: list[float]
    visible: np.ndarray
    amodal: np.ndarray
    visible_fraction: np.ndarray
    occluders: list[dict[str, Any]]
    camera_offset: np.ndarray
    violation: dict[str, Any] | None = None
    nuisance: dict[str, Any] | None = None
    background: np.ndarray | None = field(default=None, repr=False)
    #: audio (optional; None = not recorded, and then absent from truth.json): the contact events
    #: (``bench.audio.synth`` documents the record) and the sound events made from them
    contacts: list[dict[str, Any]] | None = None
    sounds: list[dict[str, Any]] | None = None

    @property
    def T(self) -> int:
        return len(self.times)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no object {name!r} in the truth (objects: {self.names})") from None

    # ------------------------------------------------------------------ derived

    def intervals(self, threshold: float = VISIBLE) -> dict[str, list[list[int]]]:
        """Per object, maximal runs ``[start, end)`` of frames with visible_fraction >= threshold."""
        out: dict[str, list[list[int]]] = {}
        for n, name in enumerate(self.names):
            v = np.concatenate([[False], self.visible_fraction[n] >= threshold, [False]])
            edges = np.flatnonzero(np.diff(v.astype(np.int8)))
            out[name] = [[int(a), int(b)] for a, b in zip(edges[::2], edges[1::2])]
        return out

    def counts(self) -> dict[str, dict[str, list[int]]]:
        """Per colour: ``amodal`` (existing objects whose centre is in the frame) and
        ``visible`` (objects with visible_fraction >= VISIBLE) counts per frame."""
        px = self.pixel
        inside = (self.exists & (px[..., 0] >= -0.5) & (px[..., 0] <= self.width - 0.5)
                  & (px[..., 1] >= -0.5) & (px[..., 1] <= self.height - 0.5))
        vis = self.visible_fraction >= VISIBLE
        out: dict[str, dict[str, list[int]]] = {}
        for c in sorted({c for row in self.colour for c in row}):
            has = np.array([[cc == c for cc in row] for row in self.colour])
            out[c] = {"amodal": (inside & has).sum(0).astype(int).tolist(),
                      "visible": (vis & has).sum(0).astype(int).tolist()}
        return out

    # ------------------------------------------------------------------ serialisation

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "probe_id": self.probe_id, "seed": self.seed, "k": self.k,
            "fps": self.fps, "frames": self.T, "height": self.height, "width": self.width,
            "px_per_m": self.px_per_m, "origin": list(self.origin),
            "times": _list(self.times), "world_times": _list(self.world_times),
            "objects": [
                {"name": name, "size": self.size[n],
                 "world": _list(self.world[n]), "velocity": _list(self.velocity[n]),
                 "pixel": _list(self.pixel[n]), "exists": self.exists[n].tolist(),
                 "opacity": _list(self.opacity[n]), "colour": self.colour[n], "shape": self.shape[n],
                 "rgb": self.rgb[n].tolist(), "shape_mix": _list(self.shape_mix[n]),
                 "visible_fraction": _list(self.visible_fraction[n])}
                for n, name in enumerate(self.names)],
            "occluders": [{**o, "box": _list(o["box"])} for o in self.occluders],
            "camera_offset": _list(self.camera_offset),
            "intervals": self.intervals(),
            "counts": self.counts(),
            "violation": self.violation,
            "nuisance": self.nuisance,
        } | ({"contacts": self.contacts} if self.contacts is not None else {}) \
          | ({"sounds": self.sounds} if self.sounds is not None else {})

    def to_bytes(self) -> dict[str, bytes]:
        """``{"truth.npz": ..., "truth.json": ...}``, ready for ``provenance["artifacts"]``."""
        buf = io.BytesIO()
        np.savez_compressed(buf, visible=np.packbits(self.visible.reshape(-1)),
                            amodal=np.packbits(self.amodal.reshape(-1)),
                            shape=np.asarray(self.visible.shape, np.int64))
        js = json.dumps(self.to_json_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)
        return {"truth.npz": buf.getvalue(), "truth.json": js.encode("utf-8")}

    @classmethod
    def from_bytes(cls, npz: bytes, js: bytes) -> "Truth":
        d = json.loads(js)
        if d.get("format") != FORMAT:
            raise UserError(f"truth.json: unknown format {d.get('format')!r} (expected {FORMAT})")
        with np.load(io.BytesIO(npz)) as z:
            shape = tuple(int(s) for s in z["shape"])
            count = int(np.prod(shape))
            visible = np.unpackbits(z["visible"], count=count).astype(bool).reshape(shape)
            amodal = np.unpackbits(z["amodal"], count=count).astype(bool).reshape(shape)
        objs = d["objects"]
        N, T = len(objs), int(d["frames"])

        def stack(key: str, *tail: int) -> np.ndarray:
            return np.stack([_arr(o[key]) for o in objs]).reshape((N, T) + tail) if objs \
                else np.zeros((0, T) + tail)

        return cls(
            probe_id=d["probe_id"], seed=d["seed"], k=d["k"], fps=d["fps"], height=d["height"],
            width=d["width"], px_per_m=d["px_per_m"], origin=tuple(d["origin"]),
            times=_arr(d["times"]), world_times=_arr(d["world_times"]),
            names=[o["name"] for o in objs], world=stack("world", 2), velocity=stack("velocity", 2),
            pixel=stack("pixel", 2), exists=np.asarray([o["exists"] for o in objs], bool).reshape(N, T),
            opacity=stack("opacity"), colour=[o["colour"] for o in objs], shape=[o["shape"] for o in objs],
            rgb=np.asarray([o["rgb"] for o in objs], np.uint8).reshape(N, T, 3),
            shape_mix=stack("shape_mix"), size=[o["size"] for o in objs], visible=visible, amodal=amodal,
            visible_fraction=stack("visible_fraction"),
            occluders=[{**o, "box": _arr(o["box"])} for o in d["occluders"]],
            camera_offset=_arr(d["camera_offset"]).reshape(-1, 2), violation=d["violation"],
            nuisance=d["nuisance"], contacts=d.get("contacts"), sounds=d.get("sounds"))


def load_truth(stem: str | Path) -> Truth:
    """Load ``<stem>.truth.npz`` and ``<stem>.truth.json`` (the files ``bench render`` and the
    run store write beside a video ``<stem>.mkv``); ``stem`` may also be the video's path."""
    p = Path(stem)
    if p.suffix in (".mkv", ".mp4"):
        p = p.with_suffix("")
    npz, js = Path(f"{p}.truth.npz"), Path(f"{p}.truth.json")
    for f in (npz, js):
        if not f.exists():
            raise UserError(f"{f}: ground-truth file not found")
    return Truth.from_bytes(npz.read_bytes(), js.read_bytes())


def _list(a: np.ndarray) -> Any:
    """Nested lists with NaN as None (strict JSON)."""
    a = np.asarray(a, np.float64)
    return np.where(np.isnan(a), None, a).tolist()


def _arr(x: Any) -> np.ndarray:
    """Inverse of ``_list``: None -> NaN."""
    return np.asarray(x, dtype=object).astype(np.float64)
