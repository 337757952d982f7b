"""From a probe to frames and ground truth: parse, perturb, simulate, violate, render, annoy.

``render_probe(probe, seed, *, frames=24, size=128, fps=None, k=0, jitter=1.0,
violation=None, nuisance=None) -> (Video, Truth)``

- ``frames`` T and ``size`` (an int for square frames, or ``(height, width)``);
- ``fps``: default ``frames / scene duration`` (the video spans the scene); given
  explicitly, frame i shows t = i / fps and the world is simulated as long as needed;
- ``k``, ``jitter``: ensemble member and perturbation scale (``bench.world.ensemble``);
- ``violation``: ``"name"`` or ``"name:magnitude"`` (``bench.world.violations``);
- ``nuisance``: ``"name"`` or ``"name:level"`` (``bench.world.nuisances``);
- ``audio``: also record the contacts and synthesise their sound (``bench.audio.synth``) into
  ``video.audio``, ``truth.contacts`` and ``truth.sounds`` (off: neither exists).

Bad input (no scene, an invalid scene, an unknown violation or nuisance, one that does not
apply to the probe) raises ``bench.errors.UserError``.  A violation that applies but changes
nothing visible at this magnitude and frame count (e.g. an impact after the last frame) is
recorded with empty ``objects`` and ``frames``.  The result is a pure function of its
arguments.  ``applicable(probe, violation)`` says whether a violation can be injected into a
probe (decided on the unperturbed scene at the default magnitude and frame count).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.errors import UserError
from bench.suites.palette import OBJECT_COLOURS
from bench.video import Video
from bench.world.edits import Edits
from bench.world.ensemble import perturb, rng_for
from bench.world.nuisances import apply_nuisance, parse_nuisance
from bench.world.physics import Simulation, simulate
from bench.world.render import Camera, Sprite, render
from bench.world.scene import Scene, parse_scene, validate_scene
from bench.world.truth import Truth
from bench.world.violations import VIOLATIONS, Context, NotApplicable, parse_violation

DEFAULT_FRAMES = 24
DEFAULT_SIZE = 128


def _size(size: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        h = w = int(size)
    elif isinstance(size, (tuple, list)) and len(size) == 2 and all(isinstance(v, (int, np.integer)) for v in size):
        h, w = int(size[0]), int(size[1])
    else:
        raise UserError(f"size must be an int or (height, width), got {size!r}")
    if not (8 <= h <= 4096 and 8 <= w <= 4096):
        raise UserError(f"frame size {h}x{w} is outside 8..4096 px")
    return h, w


def load_scene(probe: dict[str, Any]) -> Scene:
    """The probe's parsed scene; ``UserError`` if it has none or it is invalid."""
    scene = probe.get("scene")
    if scene is None:
        raise UserError(f"probe {probe.get('id')!r} has no scene (text-only probe); the oracle cannot render it")
    errs = validate_scene(scene, probe)
    if errs:
        raise UserError(f"probe {probe.get('id')!r}: scene: {errs[0]}")
    return parse_scene(scene, probe)


def frame_times(frames: int, fps: float) -> np.ndarray:
    """Video time of each frame: t_i = i / fps."""
    return np.arange(frames) / fps


def sim_end(scene: Scene, times: np.ndarray) -> float:
    """How long to simulate for frames at ``times``: the scene's duration or the last frame,
    whichever is later (plus a microsecond, so the last frame is inside)."""
    return max(scene.duration, float(times[-1])) + 1e-6


def identity_tracks(scene: Scene, ed: Edits, wt: np.ndarray) -> tuple[np.ndarray, list, list, np.ndarray, list]:
    """Each actor's look at world times ``wt`` (shape ``(T,)``) after the identity edits (swaps):
    rgb ``(N, T, 3)`` in 0..255, colour and shape names per frame, the swap's blend ``mix`` ``(N, T)``
    and the new shape per actor (None when it keeps its own).  Shared by both oracle worlds."""
    N, T = len(scene.actors), len(wt)
    rgb = np.zeros((N, T, 3))
    colour = [[a.colour] * T for a in scene.actors]
    shape = [[a.shape] * T for a in scene.actors]
    mix = np.zeros((N, T))
    new_shape: list[str | None] = [None] * N
    for a, act in enumerate(scene.actors):
        rgb[a] = OBJECT_COLOURS[act.colour]
    for ch in ed.identity:
        on = wt >= ch.t
        rgb[ch.actor, on] = ch.rgb
        mix[ch.actor, on] = ch.mix
        new_shape[ch.actor] = ch.new_shape if ch.new_shape != scene.actors[ch.actor].shape else None
        for i in np.flatnonzero(on):
            colour[ch.actor][i] = ch.colour
            if ch.mix >= 0.5:
                shape[ch.actor][i] = ch.new_shape
    return rgb, colour, shape, mix, new_shape


def draw(probe: dict[str, Any], scene: Scene, sim: Simulation, camera: Camera, times: np.ndarray,
         fps: float, seed: int, k: int) -> tuple[np.ndarray, Truth]:
    """Render the simulated world at video ``times`` and build its ground truth."""
    ed = sim.edits
    wt = ed.clock(times)
    pos, vel = sim.sample(wt)
    N, T = len(scene.actors), len(times)
    s = camera.scale
    exists = np.stack([ed.exists(a, wt) for a in range(N)]) if N else np.zeros((0, T), bool)
    opacity = np.ones((N, T))
    for a, frames, alpha in ed.opacity:
        opacity[a, [f for f in frames if 0 <= f < T]] = alpha
    rgb, colour, shape, mix, new_shape = identity_tracks(scene, ed, wt)
    sprites = [Sprite(act.shape, act.half * s, camera.to_edge(pos[a]), rgb[a], opacity[a] * exists[a], exists[a],
                      act.z, new_shape[a], mix[a] if new_shape[a] else None)
               for a, act in enumerate(scene.actors)]
    occ_centres = np.stack([o.path.at(wt) for o in scene.occluders]) if scene.occluders else np.zeros((0, T, 2))
    strings = [(p.pivot, pos[p.actor], scene.actors[p.actor].z) for p in scene.pendulums]
    out = render(scene, camera, T, sprites, occ_centres, strings)
    area = np.stack([sp.area() for sp in sprites]) if sprites else np.zeros((0, T))
    gone = ~exists[..., None]
    occluders = []
    for o, c in zip(scene.occluders, occ_centres):
        lo = camera.to_index(c + o.half_size * np.array([-1, 1]))        # left, top
        hi = camera.to_index(c + o.half_size * np.array([1, -1]))        # right, bottom
        occluders.append({"name": o.name, "colour": o.colour, "box": np.concatenate([lo, hi], axis=1)})
    truth = Truth(
        probe_id=str(probe.get("id", "")), seed=int(seed), k=int(k), fps=float(fps),
        height=camera.height, width=camera.width, px_per_m=s, origin=(camera.ox, camera.oy),
        times=np.asarray(times, np.float64), world_times=wt, names=[a.name for a in scene.actors],
        world=np.where(gone, np.nan, pos), velocity=np.where(gone, np.nan, vel),
        pixel=np.where(gone, np.nan, camera.to_index(pos)), exists=exists, opacity=opacity,
        colour=colour, shape=shape, rgb=np.rint(rgb).astype(np.uint8), shape_mix=mix,
        size=[2 * a.half / scene.view[1] for a in scene.actors],
        visible=out.visible, amodal=out.amodal,
        visible_fraction=np.clip(out.visible_area / np.maximum(area, 1e-9), 0.0, 1.0),
        occluders=occluders, camera_offset=np.zeros((T, 2)), background=out.background)
    return out.frames, truth


def _changed(a: Truth, b: Truth) -> tuple[list[str], list[int]]:
    """Objects whose trajectory, existence, identity or opacity differ, and the frames in
    which anything (those, the world clock, an occluder's place) differs."""
    diff = np.zeros((len(a.names), a.T), bool)
    wa, wb = a.world, b.world
    diff |= ~(np.isclose(wa, wb, rtol=0, atol=1e-9) | (np.isnan(wa) & np.isnan(wb))).all(-1)
    diff |= a.exists != b.exists
    diff |= a.opacity != b.opacity
    diff |= (a.rgb != b.rgb).any(-1)
    diff |= a.shape_mix != b.shape_mix
    frames = diff.any(0) | (a.world_times != b.world_times)
    for oa, ob in zip(a.occluders, b.occluders):
        frames |= (oa["box"] != ob["box"]).any(-1)
    return [n for i, n in enumerate(a.names) if diff[i].any()], np.flatnonzero(frames).tolist()


def render_probe(probe: dict[str, Any], seed: int, *, frames: int = DEFAULT_FRAMES,
                 size: int | tuple[int, int] = DEFAULT_SIZE, fps: float | None = None, k: int = 0,
                 jitter: float = 1.0, violation: str | None = None,
                 nuisance: str | None = None, audio: bool = False) -> tuple[Video, Truth]:
    """Render one probe (see the module docstring)."""
    scene = load_scene(probe)
    H, W = _size(size)
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or not 2 <= frames <= 10_000:
        raise UserError(f"frames must be an integer in 2..10000, got {frames!r}")
    fps = float(frames / scene.duration if fps is None else fps)
    if not (math.isfinite(fps) and fps > 0):
        raise UserError(f"fps must be positive, got {fps}")
    if not (math.isfinite(jitter) and jitter >= 0):
        raise UserError(f"jitter must be >= 0, got {jitter}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0 or k < 0:
        raise UserError(f"seed and k must be non-negative integers, got seed={seed!r}, k={k!r}")
    try:
        vspec = parse_violation(violation) if violation is not None else None
        nspec = parse_nuisance(nuisance) if nuisance is not None else None
    except ValueError as e:
        raise UserError(str(e)) from None
    pid = str(probe.get("id", ""))
    scene = perturb(scene, rng_for(seed, k, pid), jitter)
    times = frame_times(frames, fps)
    camera = Camera.for_view(scene.view, H, W)
    clean = simulate(scene, Edits(), sim_end(scene, times))
    sim, record, effect = clean, None, None
    if vspec is not None:
        name, m = vspec
        ctx = Context(probe, scene, clean, times)
        try:
            plan = VIOLATIONS[name].plan(ctx, m) if m > 0 else None
        except NotApplicable as e:
            raise UserError(f"violation {name} does not apply to probe {pid!r}: {e}") from None
        if plan is not None:
            sim = simulate(scene, plan.edits, clean.end)
            effect = plan.effect
        record = {"name": name, "magnitude": m, "object": ctx.name, "checks": list(VIOLATIONS[name].checks),
                  "description": plan.description if plan else "magnitude 0: no change",
                  "details": plan.details if plan else {},
                  "times": [effect.start, None if math.isinf(effect.end) else effect.end] if effect else None}
    pixels, truth = draw(probe, scene, sim, camera, times, fps, seed, k)
    if record is not None:
        clean_truth = truth if sim is clean else draw(probe, scene, clean, camera, times, fps, seed, k)[1]
        objects, changed = _changed(clean_truth, truth)
        record["frames"] = effect.frame_range(times) if effect and changed else []
        record["objects"] = objects
        truth.violation = record
    video = Video(pixels, fps, {"source": "rendered", "probe_id": pid, "prompt": probe.get("prompt", ""),
                                "seed": int(seed), "k": int(k), "violation": record})
    if audio:  # audio hook (bench.audio.synth): contacts -> impact sounds; off = no change at all
        from bench.audio.synth import contacts_2d, synthesize_audio

        truth.contacts = contacts_2d(sim, truth)
        video.audio, truth.sounds = synthesize_audio(truth, fps, frames, seed)
    if nspec is not None:
        sound = video.audio
        video, truth = apply_nuisance(*nspec, video, truth, rng_for(seed, k, pid, salt=nspec[0]))
        video.audio = sound  # picture nuisances leave the sound alone
        video.provenance["violation"] = truth.violation
    video.provenance["nuisance"] = truth.nuisance
    return video, truth


def applicable(probe: dict[str, Any], violation: str) -> tuple[bool, str]:
    """Whether ``violation`` (a name) can be injected into ``probe``: (True, "") or (False, why).

    Decided on the unperturbed scene at the default frame count."""
    if probe.get("scene") is None:
        return False, "text-only probe (no scene)"
    if violation not in VIOLATIONS:
        raise UserError(f"unknown violation {violation!r} (known: {', '.join(VIOLATIONS)})")
    scene = load_scene(probe)
    times = frame_times(DEFAULT_FRAMES, DEFAULT_FRAMES / scene.duration)
    ctx = Context(probe, scene, simulate(scene, Edits(), sim_end(scene, times)), times)
    try:
        plan = VIOLATIONS[violation].plan(ctx, VIOLATIONS[violation].default)
    except NotApplicable as e:
        return False, str(e)
    if not _world_changes(ctx, simulate(scene, plan.edits, ctx.end)):
        return False, f"it changes nothing in this scene ({plan.description})"
    return True, ""


def _world_changes(ctx: Context, sim: Simulation) -> bool:
    """Whether a violated world differs from the clean one in some frame."""
    ed = sim.edits
    t = ctx.times
    if ed.opacity or ed.clock_hold:
        return True
    if any(((t >= t0) & (t < t1)).any() for _, t0, t1 in ed.absent) or any((t >= c.t).any() for c in ed.identity):
        return True
    return not np.allclose(sim.sample(t)[0], ctx.clean.sample(t)[0], rtol=0, atol=1e-9)
