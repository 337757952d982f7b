"""From a probe to 3-D frames and ground truth: parse, perturb, simulate, violate, render, annoy.

``render_probe3d(probe, seed, *, frames=24, size=128, fps=None, k=0, jitter=1.0,
violation=None, nuisance=None, audio=False) -> (Video, Truth3D)`` has the arguments and errors
of the 2-D ``bench.world.render_probe`` and reuses its parts: the scene parser, the ensemble
perturbation, the violation planners (run on the *3-D* clean simulation, whose in-plane
motion they read like the 2-D one's), the violation record, and the 7 post-render nuisances.
The 3 render-time nuisances of ``bench.world3d.nuisances`` (pan, light, retexture) change the
camera, the light or the textures instead.  The look is drawn from (seed, k, probe, "look").

``applicable3d(probe, violation)`` decides on the unperturbed scene's 3-D simulation at the
default magnitude and frame count, as the 2-D ``applicable`` does.

``audio=True`` maps the 3-D contacts to the shared contact records
(``bench.audio.synth.contacts_3d``) and synthesises their sound into ``video.audio``,
``truth.contacts`` and ``truth.sounds``, exactly as the 2-D world does (off: neither exists);
picture nuisances leave the sound alone.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.errors import UserError
from bench.video import Video
from bench.world.edits import Edits
from bench.world.ensemble import perturb, rng_for
from bench.world.nuisances import NUISANCES, apply_nuisance
from bench.world.pipeline import DEFAULT_FRAMES, DEFAULT_SIZE, _changed, _size, _world_changes, frame_times, \
    load_scene, sim_end
from bench.world.violations import VIOLATIONS, Context, NotApplicable, parse_violation
from bench.world3d.camera import place_camera
from bench.world3d.draw import draw3d
from bench.world3d.look import draw_look
from bench.world3d.nuisances import NUISANCES3D, camera_path, lighting, parse_nuisance3d, scene_look
from bench.world3d.sim3d import simulate3d


def _check(frames: Any, fps: float, jitter: float, seed: Any, k: int) -> None:
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or not 2 <= frames <= 10_000:
        raise UserError(f"frames must be an integer in 2..10000, got {frames!r}")
    if not (math.isfinite(fps) and fps > 0):
        raise UserError(f"fps must be positive, got {fps}")
    if not (math.isfinite(jitter) and jitter >= 0):
        raise UserError(f"jitter must be >= 0, got {jitter}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0 or k < 0:
        raise UserError(f"seed and k must be non-negative integers, got seed={seed!r}, k={k!r}")


def render_probe3d(probe: dict[str, Any], seed: int, *, frames: int = DEFAULT_FRAMES,
                   size: int | tuple[int, int] = DEFAULT_SIZE, fps: float | None = None, k: int = 0,
                   jitter: float = 1.0, violation: str | None = None, nuisance: str | None = None,
                   audio: bool = False):
    """Render one probe in the 3-D world (see the module docstring)."""
    scene = load_scene(probe)
    H, W = _size(size)
    fps = float(frames / scene.duration if fps is None else fps)
    _check(frames, fps, jitter, seed, k)
    try:
        vspec = parse_violation(violation) if violation is not None else None
        nspec = parse_nuisance3d(nuisance) if nuisance is not None else None
    except ValueError as e:
        raise UserError(str(e)) from None
    pid = str(probe.get("id", ""))
    scene = perturb(scene, rng_for(seed, k, pid), jitter)
    look = draw_look(rng_for(seed, k, pid, salt="look"))
    times = frame_times(frames, fps)
    clean = simulate3d(scene, Edits(), sim_end(scene, times))
    sim, record, effect = clean, None, None
    if vspec is not None:
        name, m = vspec
        ctx = Context(probe, scene, clean, times)
        try:
            plan = VIOLATIONS[name].plan(ctx, m) if m > 0 else None
        except NotApplicable as e:
            raise UserError(f"violation {name} does not apply to probe {pid!r}: {e}") from None
        if plan is not None:
            sim = simulate3d(scene, plan.edits, clean.end, clean=clean)
            effect = plan.effect
        record = {"name": name, "magnitude": m, "object": ctx.name, "checks": list(VIOLATIONS[name].checks),
                  "description": plan.description if plan else "magnitude 0: no change",
                  "details": plan.details if plan else {},
                  "times": [effect.start, None if math.isinf(effect.end) else effect.end] if effect else None}
    render_3d_nuisance = nspec is not None and nspec[0] in NUISANCES3D
    nrng = rng_for(seed, k, pid, salt=nspec[0]) if nspec else None
    if render_3d_nuisance:
        look = scene_look(nspec, look, nrng)
    cam0 = place_camera(scene.view, scene.floor.q[1] if scene.floor else None, H, W, look.fov,
                        look.camera_pitch, look.camera_yaw)
    cams = camera_path(nspec if render_3d_nuisance else None, cam0, scene.view, frames)
    lights = lighting(nspec if render_3d_nuisance else None, look, frames)

    def draw(s, images=True):
        return draw3d(probe, scene, s, look, cams, lights, times, fps, seed, k, rng_for(seed, k, pid, salt="noise"),
                      images=images)

    pixels, truth = draw(sim)
    if record is not None:
        clean_truth = truth if sim is clean else draw(clean, images=False)[1]
        objects, changed = _changed(clean_truth, truth)
        record["frames"] = effect.frame_range(times) if effect and changed else []
        record["objects"] = objects
        truth.violation = record
    video = Video(pixels, fps, {"source": "rendered", "world": "3d", "probe_id": pid,
                                "prompt": probe.get("prompt", ""), "seed": int(seed), "k": int(k),
                                "violation": record})
    if audio:  # audio hook (bench.audio.synth): contacts -> impact sounds; off = no change at all
        from bench.audio.synth import contacts_3d, synthesize_audio

        truth.contacts = contacts_3d(scene, truth)
        video.audio, truth.sounds = synthesize_audio(truth, fps, frames, seed)
    if nspec is not None and not render_3d_nuisance:
        W0 = truth.width
        sound = video.audio
        video, truth = apply_nuisance(*nspec, video, truth, nrng)
        video.audio = sound  # picture nuisances leave the sound alone
        truth.extra = _follow_nuisance(truth.extra, truth.nuisance, truth.width / W0)
        video.provenance["violation"] = truth.violation
    elif nspec is not None:
        spec = NUISANCES3D[nspec[0]]
        truth.nuisance = {"name": nspec[0], "level": float(nspec[1]), "unit": spec.unit,
                          "params": {"look": look.to_dict()}}
    video.provenance["nuisance"] = truth.nuisance
    return video, truth


def _follow_nuisance(extra: dict, record: dict, scale: float) -> dict:
    """The 3-D extras after a post-render nuisance: per-frame lists re-indexed (fps), cameras
    scaled (resize: K' = diag(s, s, 1) K with the principal point (c + 0.5) s - 0.5) or shifted
    (shake: the principal point moves with the frame)."""
    out = dict(extra)
    name, params = record["name"], record["params"]
    if name == "fps":
        idx = params["source_frames"]
        for key in ("position3d", "m_per_px", "depth"):
            out[key] = [[row[i] for i in idx] for row in extra[key]]
        for key in ("depth_order", "intrinsics", "extrinsics"):
            out[key] = [extra[key][i] for i in idx]
    elif name == "resize":
        Ks = np.asarray(extra["intrinsics"], np.float64)
        Ks[:, 0, 0] *= scale
        Ks[:, 1, 1] *= scale
        Ks[:, :2, 2] = (Ks[:, :2, 2] + 0.5) * scale - 0.5
        out["intrinsics"] = Ks.tolist()
        out["m_per_px"] = [[None if v is None else v / scale for v in row] for row in extra["m_per_px"]]
    elif name == "shake":
        Ks = np.asarray(extra["intrinsics"], np.float64)
        Ks[:, :2, 2] += np.asarray(params["offsets"], np.float64)
        out["intrinsics"] = Ks.tolist()
    return out


def applicable3d(probe: dict[str, Any], violation: str) -> tuple[bool, str]:
    """Whether ``violation`` can be injected into ``probe`` in the 3-D world: (True, "") or (False, why)."""
    if probe.get("scene") is None:
        return False, "text-only probe (no scene)"
    if violation not in VIOLATIONS:
        raise UserError(f"unknown violation {violation!r} (known: {', '.join(VIOLATIONS)})")
    scene = load_scene(probe)
    times = frame_times(DEFAULT_FRAMES, DEFAULT_FRAMES / scene.duration)
    clean = simulate3d(scene, Edits(), sim_end(scene, times))
    ctx = Context(probe, scene, clean, times)
    try:
        plan = VIOLATIONS[violation].plan(ctx, VIOLATIONS[violation].default)
    except NotApplicable as e:
        return False, str(e)
    if not _world_changes(ctx, simulate3d(scene, plan.edits, ctx.end, clean=clean)):
        return False, f"it changes nothing in this scene ({plan.description})"
    return True, ""


__all__ = ["NUISANCES", "render_probe3d", "applicable3d"]
