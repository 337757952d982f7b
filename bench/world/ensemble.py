"""Ensembles: K renders of a probe with slightly perturbed initial conditions.

A physically correct answer to a prompt is not one video but a spread of them (a ball
"dropped from about there" lands about there).  Render k of an ensemble perturbs the
scene with a generator seeded by ``(seed, k, crc32(probe id))``, so every (seed, k) is
reproducible and independent of every other.  Draws are normal, truncated at +-2 sigma,
and scaled by ``jitter`` (0 = the exact scene):

==============  =========================================================================
quantity        perturbation (sigma)
==============  =========================================================================
position        0.01 x view height per axis; bodies resting on a support move only along
                it, bodies inside a cup's ``contents`` do not move (they must stay under it)
velocity        speed x (1 + 0.03 z); direction turned by 0.02 z rad (free bodies only)
restitution     e x (1 + 0.02 z), clipped to [0, 1]
friction        mu x (1 + 0.05 z), at least 0
pendulum        initial angle + 0.02 z rad
==============  =========================================================================

Occluders, cups, supports, gravity and the duration are never perturbed.
"""

from __future__ import annotations

import copy
import math
import zlib

import numpy as np

from bench.world.scene import Scene

POSITION = 0.01
SPEED = 0.03
DIRECTION = 0.02
RESTITUTION = 0.02
FRICTION = 0.05
ANGLE = 0.02


def rng_for(seed: int, k: int, probe_id: str, salt: str = "") -> np.random.Generator:
    """The generator for render k of ``probe_id`` at ``seed`` (``salt`` separates streams)."""
    if seed < 0 or k < 0:
        raise ValueError(f"seed and k must be >= 0, got seed={seed}, k={k}")
    words = [int(seed) % 2 ** 63, int(k), zlib.crc32(probe_id.encode()), zlib.crc32(salt.encode())]
    return np.random.default_rng(words)


def _z(rng: np.random.Generator) -> float:
    return float(np.clip(rng.standard_normal(), -2.0, 2.0))


def perturb(scene: Scene, rng: np.random.Generator, jitter: float = 1.0) -> Scene:
    """A copy of ``scene`` with perturbed initial conditions (see the module docstring).

    The draws are taken in a fixed order (bodies, then pendulums; 6 draws each for bodies,
    1 for pendulums) whatever ``jitter`` is, so jitter only scales the spread.
    """
    out = copy.deepcopy(scene)
    vh = scene.view[1]
    carried = {i for c in scene.containers for i in c.contents}
    for i, b in enumerate(out.bodies):
        z = [_z(rng) for _ in range(6)]
        on = None
        for sp in scene.supports:
            gap = float(np.dot(b.pos - sp.q, sp.n)) - b.half
            along = float(np.dot(b.pos - sp.q, sp.u))
            if abs(gap) <= 1e-7 * vh and sp.s_min <= along <= sp.s_max:
                on = sp
                break
        if i not in carried:
            if on is None:
                b.pos = b.pos + jitter * POSITION * vh * np.array(z[:2])
            else:
                b.pos = b.pos + jitter * POSITION * vh * z[0] * np.asarray(on.u)
        speed = float(np.hypot(*b.vel))
        if speed > 0:
            turn = 0.0 if on is not None else jitter * DIRECTION * z[3]
            c, s = math.cos(turn), math.sin(turn)
            v = np.array([c * b.vel[0] - s * b.vel[1], s * b.vel[0] + c * b.vel[1]])
            b.vel = v * (1 + jitter * SPEED * z[2])
        b.restitution = float(np.clip(b.restitution * (1 + jitter * RESTITUTION * z[4]), 0.0, 1.0))
        b.friction = max(0.0, b.friction * (1 + jitter * FRICTION * z[5]))
    for p in out.pendulums:
        p.angle = p.angle + jitter * ANGLE * _z(rng)
    return out
