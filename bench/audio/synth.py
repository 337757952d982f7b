"""The oracle world's sound: an impact sound for every contact, over a quiet room tone.

Contacts (``Truth.contacts``, shared by the 2-D and the 3-D world), one dict per event::

    t         video time of the contact (s)          kind     impact | rest | collision | crease |
                                                              set_down | stop
    objects   probe object names involved            speed    normal (impact) speed, m/s (>= 0)
    x         contact's horizontal pixel position    shape    the (first) object's shape
    size      its half-extent (m)                    restitution  its restitution (0..1)
    support   the support touched (or null)

``synthesize_audio(truth, fps, n_frames, seed) -> (Audio, sounds)`` reads only these records
(and ``truth.width`` for panning) and returns stereo audio at ``SAMPLE_RATE`` lasting
``n_frames / fps`` seconds, plus the sound events (``Truth.sounds``): ``t`` (onset, s),
``frame`` (t * fps), ``amplitude`` (peak, linear), ``source`` (the object names), ``kind``,
``f0`` (Hz).

The impact model is the textbook modal (percussive) synthesis: a sum of exponentially damped
sinusoids  s(t) = A sum_k w_k exp(-t / tau_k) sin(2 pi f0 r_k t)  plus a 2 ms noise click at the
attack.  Material/shape set the partial ratios r_k (a disc or sphere: 1, 2.76, 5.40, the
free-bar series; a box or cube: 1, 1.59, 2.14, 2.30, the plate series; a ring or cup: 1, 2.32,
4.25, bell-like; anything else harmonic), the
fundamental falls with size (f0 = 440 Hz * sqrt(0.1 m / size), clamped to 150..2500 Hz) and the
decay grows with restitution (tau_1 = 0.03 + 0.25 e s; higher partials decay faster, tau_k =
tau_1 / r_k).  Loudness follows the impact speed v: A = 0.5 v / (v + 1.5 m/s) (saturating, so
a fast impact does not clip), and contacts slower than ``V_MIN`` are silent (a ball settling).
A rolling ``stop`` is recorded as a contact but is silent: friction brings the body to rest
with no impact, and nothing visible marks the moment either.  Each sound is panned by
the contact's horizontal position (constant-power law).  Room tone: white noise low-passed
once (a one-pole filter), RMS ``ROOM_RMS`` (about -56 dBFS).  Everything random comes from
``numpy.random.default_rng(seed)``: the result is a pure function of its inputs.
A hand-written synthesiser is used because the sounds must follow the ground truth exactly
(times, speeds, materials); audio libraries synthesise music, not contacts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.audio.track import Audio

SAMPLE_RATE = 16_000
ROOM_RMS = 0.0015
V_MIN = 0.05          # m/s: slower contacts are silent
V_HALF = 1.5          # m/s: speed at half the maximum amplitude
A_MAX = 0.5
CLICK_S = 0.002
RATIOS = {"disc": (1.0, 2.76, 5.40), "sphere": (1.0, 2.76, 5.40), "box": (1.0, 1.59, 2.14, 2.30),
          "cube": (1.0, 1.59, 2.14, 2.30), "ring": (1.0, 2.32, 4.25), "cup": (1.0, 2.32, 4.25)}
HARMONIC = (1.0, 2.0, 3.0)
SOUNDING = ("impact", "rest", "collision", "crease", "set_down")
#: recorded as contacts but silent: a rolling stop ends a roll (no impact), see the module docs
SILENT = ("stop",)


def amplitude(speed: float) -> float:
    """Peak amplitude of an impact at ``speed`` m/s (0 below ``V_MIN``)."""
    return 0.0 if speed < V_MIN else A_MAX * speed / (speed + V_HALF)


def fundamental(size: float) -> float:
    """f0 in Hz for an object of half-extent ``size`` metres."""
    return float(np.clip(440.0 * math.sqrt(0.1 / max(size, 1e-3)), 150.0, 2500.0))


def impact(shape: str, size: float, restitution: float, speed: float, rng: np.random.Generator,
           sr: int = SAMPLE_RATE) -> tuple[np.ndarray, float]:
    """One impact sound (mono float64, starting at its onset) and its f0."""
    ratios = RATIOS.get(shape, HARMONIC)
    f0 = fundamental(size)
    tau1 = 0.03 + 0.25 * float(np.clip(restitution, 0.0, 1.0))
    n = int(min(5 * tau1, 1.5) * sr)
    t = np.arange(n) / sr
    weights = 1.0 / np.arange(1, len(ratios) + 1)
    s = np.zeros(n)
    for r, w in zip(ratios, weights):
        if f0 * r < 0.45 * sr:
            s += w * np.exp(-t * r / tau1) * np.sin(2 * math.pi * f0 * r * t + rng.uniform(0, 0.3))
    click = int(CLICK_S * sr)
    s[:click] += rng.standard_normal(click) * np.linspace(1.0, 0.0, click)
    s /= max(np.abs(s).max(), 1e-12)
    return amplitude(speed) * s, f0


def room_tone(n: int, channels: int, rng: np.random.Generator) -> np.ndarray:
    """Low-passed white noise ``(n, channels)`` with RMS ``ROOM_RMS``."""
    from scipy.signal import lfilter

    x = lfilter([0.3], [1.0, -0.7], rng.standard_normal((n, channels)), axis=0)
    return x * (ROOM_RMS / max(float(np.sqrt((x ** 2).mean())), 1e-12))


def synthesize_audio(truth: Any, fps: float, n_frames: int, seed: int,
                     sr: int = SAMPLE_RATE) -> tuple[Audio, list[dict[str, Any]]]:
    """Stereo audio for ``truth.contacts`` over ``n_frames / fps`` s, and the sound events."""
    n = int(round(n_frames / fps * sr))
    rng = np.random.default_rng([int(seed), 0xA0D10])
    out = room_tone(n, 2, rng)
    sounds: list[dict[str, Any]] = []
    for c in truth.contacts or []:
        if c["kind"] not in SOUNDING:
            continue
        speed = float(c["speed"])
        start = int(round(float(c["t"]) * sr))
        if amplitude(speed) <= 0 or not 0 <= start < n:
            continue
        s, f0 = impact(c.get("shape", ""), float(c.get("size", 0.1)), float(c.get("restitution", 0.5)), speed, rng, sr)
        s = s[: n - start]
        pan = float(np.clip(c.get("x", truth.width / 2) / max(truth.width - 1, 1), 0.0, 1.0))
        gains = (math.cos(pan * math.pi / 2), math.sin(pan * math.pi / 2))
        for ch in range(2):
            out[start:start + len(s), ch] += gains[ch] * math.sqrt(2) * s
        sounds.append({"t": start / sr, "frame": start / sr * fps, "amplitude": round(amplitude(speed), 6),
                       "source": list(c["objects"]), "kind": c["kind"], "f0": round(f0, 3)})
    return Audio(np.clip(out, -1.0, 1.0).astype(np.float32), sr), sounds


def contacts_2d(sim: Any, truth: Any) -> list[dict[str, Any]]:
    """The contact records of a 2-D simulation (``bench.world.physics.Simulation``) in video time:
    its physics events (impact, rest, collision, crease, stop) plus the set-downs of kinematic
    containers (``set_down``: a keyframe where a cup moving down stops or turns up with its rim
    on a support; speed = its downward speed).

    World time t_w maps to video time through the truth's clock (``world_times``, frozen where a
    violation stops it): the first moment the shown clock reaches t_w.  Events after the last
    frame are dropped."""
    scene = sim.scene
    bodies = {b.actor: b for b in scene.bodies}
    raw = [(ev.t, ev.kind, tuple(ev.actors), abs(float(ev.info.get("vn", ev.info.get("speed", 0.0)))),
            ev.info.get("support")) for ev in sim.events if ev.kind in SOUNDING + SILENT]
    raw += _set_downs(scene)
    out = []
    for t_w, kind, actors, speed, support in sorted(raw, key=lambda r: r[0]):
        tv = _video_time(t_w, np.asarray(truth.world_times), np.asarray(truth.times))
        if tv is None:
            continue
        a = actors[0]
        pos, _ = sim.sample(np.asarray([t_w]))
        x = float(truth.origin[0] + truth.px_per_m * pos[a, 0, 0] - 0.5)
        out.append({"t": round(tv, 9), "kind": kind, "objects": [scene.actors[k].name for k in actors],
                    "speed": round(speed, 6), "x": round(x, 3), "shape": scene.actors[a].shape,
                    "size": scene.actors[a].half,
                    "restitution": float(bodies[a].restitution) if a in bodies else 0.3, "support": support})
    return out


def contacts_3d(scene: Any, truth: Any) -> list[dict[str, Any]]:
    """The contact records of a 3-D render (``bench.world3d``) in the shared form above.

    A mapping, not a second contact detector: it reads the 3-D truth's own contact list
    (``truth.extra["contacts"]``: ``time`` = world time (s), ``kind``, ``objects``,
    ``impact_speed`` = normal speed (m/s), from PyBullet's contact points in
    ``bench.world3d.sim3d``) and renames/complements it: ``t`` = video time through the truth's
    clock (as ``contacts_2d``), ``speed`` = ``impact_speed``, ``x`` = the first object's
    projected pixel column at that time (``truth.pixel``, linear in time; the frame centre if
    it is not shown), shape / half-size / restitution from ``scene``.  The 3-D world has no
    kinematic set-downs or rolling stops in its event list, so none are added."""
    idx = {n: i for i, n in enumerate(truth.names)}
    bodies = {b.actor: b for b in scene.bodies}
    wt, vt = np.asarray(truth.world_times), np.asarray(truth.times)
    out = []
    for c in sorted(truth.extra.get("contacts", []), key=lambda c: c["time"]):
        if c["kind"] not in SOUNDING + SILENT or not c["objects"]:
            continue
        tv = _video_time(float(c["time"]), wt, vt)
        if tv is None:
            continue
        a = idx[c["objects"][0]]
        col = np.asarray(truth.pixel[a, :, 0], np.float64)
        ok = np.isfinite(col)
        x = float(np.interp(tv, vt[ok], col[ok])) if ok.any() else (truth.width - 1) / 2
        out.append({"t": round(tv, 9), "kind": c["kind"], "objects": list(c["objects"]),
                    "speed": round(abs(float(c["impact_speed"])), 6), "x": round(x, 3),
                    "shape": scene.actors[a].shape, "size": scene.actors[a].half,
                    "restitution": float(bodies[a].restitution) if a in bodies else 0.3, "support": None})
    return out


def _video_time(t_w: float, wt: np.ndarray, vt: np.ndarray) -> float | None:
    i = int(np.searchsorted(wt, t_w, side="left"))
    if i >= len(wt):
        return None
    if i == 0:
        return float(vt[0])
    span = wt[i] - wt[i - 1]
    return float(vt[i - 1] + (t_w - wt[i - 1]) / span * (vt[i] - vt[i - 1])) if span > 0 else float(vt[i])


def _set_downs(scene: Any) -> list[tuple[float, str, tuple[int, ...], float, str | None]]:
    """(t, "set_down", (actor,), speed, support) for each container keyframe that lands it."""
    out = []
    tol = 0.02 * float(scene.view[1])
    for c in scene.containers:
        times, pts = np.asarray(c.path.times), np.asarray(c.path.points)
        half = scene.actors[c.actor].half
        for k in range(1, len(times)):
            v_in = (pts[k] - pts[k - 1]) / max(times[k] - times[k - 1], 1e-9)
            v_out = (pts[k + 1] - pts[k]) / max(times[k + 1] - times[k], 1e-9) if k + 1 < len(times) else np.zeros(2)
            if not (v_in[1] < -V_MIN and v_out[1] >= -1e-9):
                continue
            rim = pts[k] - np.array([0.0, half])
            for sp in scene.supports:
                d = rim - np.asarray(sp.q)
                if abs(float(d @ np.asarray(sp.n))) <= tol and sp.s_min <= float(d @ np.asarray(sp.u)) <= sp.s_max:
                    out.append((float(times[k]), "set_down", (c.actor,), float(-v_in[1]), sp.name))
                    break
    return out
