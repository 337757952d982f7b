"""Edits: the changes a violation injects into the oracle world.

The clean world is ``Edits()``.  A violation (``bench.world.violations``) plans one ``Edits``
from the clean simulation; the physics (``bench.world.physics``) applies the dynamic fields,
the sampler the clock, and the renderer/ground truth (``bench.world.truth``) the appearance
fields.  Every field names the actor it changes (index into ``Scene.actors``) and when, so a
violation record can say exactly what changed.

Times are seconds of world time; ``opacity`` is the one frame-level edit (flicker is a
property of frames, not of the world).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Jump:
    """At time ``t`` move actor ``actor`` by ``shift`` metres, then (``advance`` > 0) carry it
    ``advance`` seconds forward along its current constant-acceleration segment
    (``p += v*d + a*d^2/2``, ``v += a*d``): "the same motion, earlier"."""

    actor: int
    t: float
    shift: tuple[float, float] = (0.0, 0.0)
    advance: float = 0.0


@dataclass(frozen=True)
class IdentityChange:
    """From time ``t`` actor ``actor`` is drawn with colour ``rgb`` (named ``colour``, the
    nearest palette colour) and its shape is ``(1 - mix) * shape + mix * new_shape`` as a
    blend of signed distance functions (``mix`` = 1: fully the new shape)."""

    actor: int
    t: float
    rgb: tuple[int, int, int]
    colour: str
    new_shape: str
    mix: float


@dataclass
class Edits:
    """Injected changes (all empty = the clean world)."""

    #: every body's and pendulum's gravity is multiplied by this (from t = 0).
    gravity_factor: float = 1.0
    #: (actor, t0, t1): the actor stops dead at t0 and resumes its motion at t1 (state kept).
    holds: list[tuple[int, float, float]] = field(default_factory=list)
    jumps: list[Jump] = field(default_factory=list)
    #: actor -> restitution used in all its impacts and collisions (may exceed 1).
    restitution: dict[int, float] = field(default_factory=dict)
    #: actor -> factor f in [0, 1]: it touches supports and bodies as if its half-extent were
    #: f * r (drawn at r, so it sinks in); f = 0: it passes through everything.
    radius_factor: dict[int, float] = field(default_factory=dict)
    #: (actor, t0, t1): the actor does not exist in [t0, t1) (not drawn, collides with nothing).
    absent: list[tuple[int, float, float]] = field(default_factory=list)
    identity: list[IdentityChange] = field(default_factory=list)
    #: (actor, frame indices, alpha): the actor is drawn with opacity ``alpha`` in those frames.
    opacity: list[tuple[int, tuple[int, ...], float]] = field(default_factory=list)
    #: (t0, t1): the world clock stops at t0 and resumes at t1 (every frame in between shows
    #: the world at t0; later frames show it t1 - t0 seconds late).
    clock_hold: tuple[float, float] | None = None

    def clock(self, times: np.ndarray) -> np.ndarray:
        """World time shown at video times ``times`` (identity unless ``clock_hold``)."""
        times = np.asarray(times, np.float64)
        if self.clock_hold is None:
            return times
        t0, t1 = self.clock_hold
        return np.where(times < t0, times, np.where(times < t1, t0, times - (t1 - t0)))

    def exists(self, actor: int, times: np.ndarray) -> np.ndarray:
        """Boolean (T,): whether ``actor`` exists at world times ``times``."""
        times = np.asarray(times, np.float64)
        out = np.ones(times.shape, bool)
        for a, t0, t1 in self.absent:
            if a == actor:
                out &= ~((times >= t0) & (times < t1))
        return out
