"""Association of per-frame detections into tracks, and binding of tracks to named objects.

Detections stay independent per frame; association only links them.  Per class (colour), frame
by frame, existing tracks are matched to the frame's detections by the Hungarian algorithm
(``scipy.optimize.linear_sum_assignment``) on

    cost(k, j) = |p_j - p̂_k(t)| / gate_k(t) + 0.5 |log(A_j / A_k)| + 0.05 gap_k(t)

where p̂_k(t) is the track's constant-velocity prediction (velocity from its last two
detections), A the area, gap_k(t) the frames since the track was last seen, and

    gate_k(t) = 0.15 H + 1.5 |v_k| gap_k(t) + 0.03 H gap_k(t)

the search radius, which widens with the gap (an object hidden longer may be farther from its
prediction).  Pairs beyond the gate are not linked; unmatched detections start new tracks.

Binding: each named object of a class takes, by a second Hungarian assignment, one of the tracks
that start in the set-up window (the first quarter of the video), on the probe's layout and
motion first and a size prior |log(A / A_expected)| last, with small preferences for longer and
earlier tracks (-0.01 per frame seen, +0.02 per frame of late start).  Look-alikes (same
colour, same size) are told apart as a person reads the probe: a name with a position word
("left", "middle", "right", "top", "bottom", "front", "back") takes the track at that rank of the
first position among the class (``LAYOUT_COST`` per rank off), and an object the probe says
moves (``moving``: decelerate, bounce, collision, occlusion, cross, leaves_frame) or rests (``at_rest``) takes a
track that does (``MOTION_COST`` when not; moving = travels more than 0.05 H).  Tracks that start later are appended to the named object whose chain
has ended before they start and whose extrapolated position is nearest (the same object after
an occlusion or a teleport); tracks that overlap every chain in time are *extra* components
(duplicates, fission pieces, unnamed objects of the same colour).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from bench.metrics.probes.detect import Detection, ObjectSpec

_INF = 1e9


@dataclass
class Track:
    """Detections of one class linked over time (``dets[t]``)."""

    cls: str
    dets: dict[int, Detection] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return min(self.dets)

    @property
    def end(self) -> int:
        return max(self.dets)

    def last(self) -> Detection:
        return self.dets[self.end]

    def velocity(self) -> np.ndarray:
        """Per-frame velocity from the last two detections (zero for a single one)."""
        ts = sorted(self.dets)[-2:]
        if len(ts) < 2:
            return np.zeros(2)
        a, b = self.dets[ts[0]], self.dets[ts[1]]
        return (b.xy - a.xy) / (ts[1] - ts[0])

    def predict(self, t: int) -> np.ndarray:
        return self.last().xy + self.velocity() * (t - self.end)


def associate(frames: list[list[Detection]], cls: str, height: int) -> list[Track]:
    """All tracks of class ``cls`` (see the module docstring for the cost and gate)."""
    tracks: list[Track] = []
    for t, dets in enumerate(frames):
        ds = [d for d in dets if d.cls == cls]
        if not ds:
            continue
        live = [k for k in tracks if k.end < t]
        if live:
            cost = np.full((len(live), len(ds)), _INF)
            for i, k in enumerate(live):
                gap = t - k.end
                pred = k.predict(t)
                v = float(np.linalg.norm(k.velocity()))
                gate = 0.15 * height + 1.5 * v * gap + 0.03 * height * gap
                a0 = max(k.last().area, 1.0)
                for j, d in enumerate(ds):
                    dist = float(np.linalg.norm(d.xy - pred))
                    if dist <= gate:
                        cost[i, j] = dist / gate + 0.5 * abs(math.log(max(d.area, 1.0) / a0)) + 0.05 * gap
            rows, cols = linear_sum_assignment(cost)
            used = set()
            for i, j in zip(rows, cols):
                if cost[i, j] < _INF:
                    live[i].dets[t] = ds[j]
                    used.add(j)
            ds = [d for j, d in enumerate(ds) if j not in used]
        tracks.extend(Track(cls, {t: d}) for d in ds)
    return tracks


#: Position words in names: (axis, rank from 0 = least to 1 = most) of the first position.
POSITION_WORDS = {"left": (0, 0.0), "middle": (None, 0.5), "centre": (None, 0.5), "center": (None, 0.5),
                  "right": (0, 1.0), "top": (1, 0.0), "upper": (1, 0.0), "bottom": (1, 1.0),
                  "lower": (1, 1.0), "back": (1, 0.0), "front": (1, 1.0)}
LAYOUT_COST, MOTION_COST = 2.0, 3.0
MOVES_FRAC = 0.05


def _layout_cost(o: ObjectSpec, k: Track, early: list[Track], n_named: int) -> float:
    """Cost of naming ``k`` by ``o``'s position word (0 without one): the object's rank in the
    word's axis, against the track's rank among the early tracks (both in [0, 1])."""
    words = [POSITION_WORDS[w] for w in o.name.lower().replace("-", " ").split() if w in POSITION_WORDS]
    if not words or n_named < 2:
        return 0.0
    axis, want = words[0]
    if axis is None:  # "middle": nearest the middle in x
        axis = 0
    pos = sorted(float(e.dets[e.start].xy[axis]) for e in early)
    mine = float(k.dets[k.start].xy[axis])
    rank = pos.index(mine) / max(len(pos) - 1, 1)
    return LAYOUT_COST * abs(rank - want) * (len(pos) - 1) / max(n_named - 1, 1)


def _travel(k: Track) -> float:
    xy = np.array([d.xy for d in k.dets.values()])
    return float(np.max(np.linalg.norm(xy - xy[0], axis=1)))


def bind(tracks: list[Track], objects: list[ObjectSpec], height: int, setup_frames: int,
         roles: dict[str, str] | None = None) -> tuple[dict[str, list[Track]], list[Track]]:
    """Chains of tracks per named object (all of one class), and the extra tracks.

    ``roles``: name -> "moving" | "at_rest" (what the probe says the object does).
    Returns ``({name: [track, ...] in time order}, extras)``; a name with an empty list was not
    found in the set-up window.
    """
    chains: dict[str, list[Track]] = {o.name: [] for o in objects}
    early = [k for k in tracks if k.start < setup_frames]
    if early and objects:
        cost = np.zeros((len(objects), len(early)))
        for i, o in enumerate(objects):
            exp = o.expected_area(height)
            role = (roles or {}).get(o.name)
            for j, k in enumerate(early):
                area = float(np.median([d.area for d in k.dets.values()]))
                cost[i, j] = abs(math.log(max(area, 1.0) / exp)) - 0.01 * len(k.dets) + 0.02 * k.start
                cost[i, j] += _layout_cost(o, k, early, len(objects))
                if len(objects) > 1 and role is not None:
                    moves = _travel(k) > MOVES_FRAC * height
                    cost[i, j] += MOTION_COST * (moves != (role == "moving"))
        rows, cols = linear_sum_assignment(cost)
        for i, j in zip(rows, cols):
            chains[objects[i].name].append(early[j])
    bound = {id(k) for ch in chains.values() for k in ch}
    extras: list[Track] = []
    for k in sorted(tracks, key=lambda k: k.start):
        if id(k) in bound:
            continue
        best, best_d = None, math.inf
        for name, ch in chains.items():
            if not ch or ch[-1].end >= k.start:
                continue
            d = float(np.linalg.norm(k.dets[k.start].xy - ch[-1].predict(k.start)))
            if d < best_d:
                best, best_d = name, d
        if best is None:
            extras.append(k)
        else:
            chains[best].append(k)
    return chains, extras
