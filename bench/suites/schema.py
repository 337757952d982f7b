"""The probe schema: every line of ``prompts/<suite>.jsonl`` is one probe.

Required: ``id`` (dotted, unique, starts with the suite name), ``suite``, ``category``, ``prompt``.
Structured (what makes weight-free checks possible):

``objects``: list of ``{"name", "colour", "shape", "size"}`` (optional ``colours``, ``count``)
    name    the phrase the prompt uses ("red ball"); unique within the probe
    colour  a key of ``bench.suites.palette.PROBE_COLOURS`` (named in the prompt): the hues
            (red ... pink) and white, black, grey, silver, cream, beige, brown, navy, gold
    colours optional list of further colours of a multi-colour object (a yellow ball with a
            black stripe: ``"colour": "yellow", "colours": ["yellow", "black"]``)
    shape   one of ``SHAPES`` (``other`` when none fits)
    size    approximate diameter / side as a fraction of the frame height (0 < size < 1)
    count   optional number of look-alike objects of this colour in the scene (an ``expect.count``
            for the object's colour when the probe gives none)

``background``: optional colour word or list of colour words of the scene (a "blue-grey wall"
is ``"blue"``; a "light wooden table" ``"beige"``): pixels nearer one of them than to any object
colour are scene, never an object.

``expect``: what a correct video shows.  Keys (all optional; ``EXPECT_KEYS`` below):
    gravity        "down" | "up" | "none": the acceleration of unsupported bodies (P1, P2, P5, P9)
    bounce         object name that bounces on the floor: apex heights must not rise (P2)
    rigid          object names whose shape and size must stay constant (P4)
    collision      {"a": name, "b": name}: a moves into b; afterwards b moves in a's original
                   direction and a does not speed up (P3)
    decelerate     object name sliding/rolling with friction: speed never increases (P6)
    at_rest        object names that are supported and must not move (P5)
    occlusion      {"object": name, "occluder": occluder name}: the object passes behind the
                   occluder and reappears where and when constant velocity predicts (O1, I2)
    contained      {"object": name, "container": name}: hidden in a container, revealed at the
                   container's final place (O2)
    count          {"colour": colour, "n": int}: the number of objects of that colour is
                   conserved (O3, O5)
    persist        {"object": name, "attributes": [colour|shape|size ...]}: the attributes of
                   the object are the same before and after motion/occlusion (I1, I2)
    distractor     object name of a look-alike present in the scene (I2): identity is judged
                   as a verification margin against it
    cross          [name_a, name_b]: two subjects cross without swapping or blending (I4)
    leaves_frame   object names that legitimately leave the frame (not a disappearance)
    requires_weights  e.g. ["face"]: the probe can only be checked with learned weights (I3)
    audio          {"impacts": int >= 0, "sources": [names]} (both optional): what should be heard,
                   the number of impact sounds and the objects making them (``av.*`` checks;
                   the prompt should say it, e.g. "... with a sharp knock at each bounce")

``checks``: metric ids that apply (a subset of ``PROBE_CHECKS`` plus any standard metric id).

``scene``: parameters from which the oracle world renders the ground truth (its own schema,
validated by ``bench.world.scene``); ``null`` for text-only probes (I3 faces).

Optional: ``notes`` (free text), ``tags`` (list of strings).
"""

from __future__ import annotations

import re
from typing import Any

from bench.suites.palette import PROBE_COLOURS

SUITES = ("physics", "permanence", "identity")

CATEGORIES = {
    "physics": {
        "P1": "gravity and free fall",
        "P2": "collision and bounce",
        "P3": "momentum and energy",
        "P4": "rigidity",
        "P5": "support and stability",
        "P6": "friction and rolling",
        "P7": "fluids",
        "P9": "counterfactual physics",
    },
    "permanence": {
        "O1": "occlusion and reappearance",
        "O2": "containment",
        "O3": "counting across an occluder",
        "O5": "no spurious appearance or disappearance",
    },
    "identity": {
        "I1": "attribute persistence through motion",
        "I2": "re-emergence with distractors",
        "I3": "faces across pose",
        "I4": "two subjects crossing",
    },
}

#: Shapes the 2-D oracle world draws (the shipped suites use each of them).
WORLD_SHAPES = ("disc", "box", "triangle", "ring", "cup")
#: Every shape a probe may name (user-written probes of real footage need the others).
SHAPES = WORLD_SHAPES + ("cylinder", "cone", "pyramid", "torus", "other")

#: The weight-free probe checks (metric ids).  Their code lives in ``bench/metrics/probes/``.
PROBE_CHECKS = (
    "probe.gravity",        # fitted acceleration sign/consistency vs expect.gravity
    "probe.bounce",         # successive apex heights never rise; no tunnelling through floor
    "probe.continuity",     # no teleport beyond predicted displacement + k*sigma
    "probe.rigidity",       # area/shape stable
    "probe.collision",      # momentum direction after contact
    "probe.friction",       # monotone deceleration
    "probe.support",        # supported objects stay at rest
    "probe.reappearance",   # reappears in the predicted window, position error, same look
    "probe.containment",    # contained object revealed at the container's place
    "probe.count",          # count conserved across the occluder sweep
    "probe.spurious",       # no spurious appearance/disappearance/fusion/fission
    "probe.attributes",     # colour/shape/size persistence, margin vs distractor, swap change-point
    "probe.crossing",       # two subjects cross without swapping
)

EXPECT_KEYS = {
    "gravity", "bounce", "rigid", "collision", "decelerate", "at_rest", "occlusion",
    "contained", "count", "persist", "distractor", "cross", "leaves_frame", "requires_weights",
    "audio",
}

TOP_KEYS_REQUIRED = ("id", "suite", "category", "prompt")
TOP_KEYS = set(TOP_KEYS_REQUIRED) | {"objects", "expect", "checks", "scene", "notes", "tags", "background"}

_ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def _obj_names(probe: dict[str, Any]) -> set[str]:
    return {o.get("name") for o in probe.get("objects") or [] if isinstance(o, dict)}


def validate_probe(probe: Any, suite: str | None = None) -> list[str]:
    """Return the problems with one probe (empty list = valid).  Messages are one line each."""
    errs: list[str] = []
    if not isinstance(probe, dict):
        return [f"expected a JSON object, got {type(probe).__name__}"]
    for k in TOP_KEYS_REQUIRED:
        if k not in probe:
            errs.append(f"missing required field {k!r}")
    unknown = set(probe) - TOP_KEYS
    if unknown:
        errs.append(f"unknown field(s) {sorted(unknown)}")
    if errs:
        return errs
    for k in TOP_KEYS_REQUIRED:
        if not isinstance(probe[k], str) or not probe[k].strip():
            errs.append(f"field {k!r} must be a non-empty string")
    if errs:
        return errs
    pid, s, cat = probe["id"], probe["suite"], probe["category"]
    if s not in SUITES:
        errs.append(f"suite {s!r} is not one of {list(SUITES)}")
    elif suite is not None and s != suite:
        errs.append(f"suite {s!r} does not match the file's suite {suite!r}")
    from bench.ids import probe_id as probe_id_problem

    why = probe_id_problem(pid)  # a full match (a trailing newline is not accepted), length-capped
    if why:
        errs.append(why)
    elif s in SUITES and not pid.startswith(s + "."):
        errs.append(f"id {pid!r} must start with {s + '.'!r}")
    if s in CATEGORIES and cat not in CATEGORIES[s]:
        errs.append(f"category {cat!r} is not one of {sorted(CATEGORIES[s])}")

    objects = probe.get("objects", [])
    if not isinstance(objects, list):
        errs.append("'objects' must be a list")
        objects = []
    seen: set[str] = set()
    for i, o in enumerate(objects):
        where = f"objects[{i}]"
        if not isinstance(o, dict):
            errs.append(f"{where} must be an object")
            continue
        extra = set(o) - {"name", "colour", "shape", "size", "role", "colours", "count"}
        if extra:
            errs.append(f"{where}: unknown field(s) {sorted(extra)}")
        name = o.get("name")
        if not isinstance(name, str) or not name:
            errs.append(f"{where}.name must be a non-empty string")
        elif name in seen:
            errs.append(f"{where}.name {name!r} is duplicated")
        else:
            seen.add(name)
        if o.get("colour") not in PROBE_COLOURS:
            errs.append(f"{where}.colour {o.get('colour')!r} is not one of {sorted(PROBE_COLOURS)}")
        elif isinstance(name, str) and o["colour"] not in name and o.get("role") != "unnamed":
            errs.append(f"{where}: the colour {o['colour']!r} must appear in the name {name!r}")
        if o.get("shape") not in SHAPES:
            errs.append(f"{where}.shape {o.get('shape')!r} is not one of {list(SHAPES)}")
        more = o.get("colours", [])
        if not isinstance(more, list) or not all(c in PROBE_COLOURS for c in more):
            errs.append(f"{where}.colours must be a list of colours from {sorted(PROBE_COLOURS)}")
        n = o.get("count", 1)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            errs.append(f"{where}.count must be a positive integer, got {n!r}")
        size = o.get("size")
        if isinstance(size, bool) or not isinstance(size, (int, float)) or not 0 < size < 1:
            errs.append(f"{where}.size must be a number in (0, 1), got {size!r}")

    expect = probe.get("expect", {})
    if not isinstance(expect, dict):
        errs.append("'expect' must be an object")
        expect = {}
    bad = set(expect) - EXPECT_KEYS
    if bad:
        errs.append(f"expect: unknown key(s) {sorted(bad)}")
    names = _obj_names(probe)
    scene = probe.get("scene")
    occ_names = set()
    if isinstance(scene, dict):
        occ_names = {o.get("name") for o in scene.get("occluders", []) or [] if isinstance(o, dict)}
        occ_names |= {o.get("name") for o in scene.get("containers", []) or [] if isinstance(o, dict)}

    def need_obj(key: str, name: Any) -> None:
        if name not in names:
            errs.append(f"expect.{key} names {name!r}, which is not in 'objects'")

    if "gravity" in expect and expect["gravity"] not in ("down", "up", "none"):
        errs.append(f"expect.gravity must be 'down', 'up' or 'none', got {expect['gravity']!r}")
    for key in ("bounce", "decelerate", "distractor"):
        if key in expect:
            need_obj(key, expect[key])
    for key in ("rigid", "at_rest", "leaves_frame"):
        if key in expect:
            if not isinstance(expect[key], list):
                errs.append(f"expect.{key} must be a list of object names")
            else:
                for n in expect[key]:
                    need_obj(key, n)
    if "collision" in expect:
        c = expect["collision"]
        if not isinstance(c, dict) or set(c) - {"a", "b"} or not {"a", "b"} <= set(c):
            errs.append("expect.collision must be {'a': name, 'b': name}")
        else:
            need_obj("collision", c["a"])
            need_obj("collision", c["b"])
    if "occlusion" in expect:
        c = expect["occlusion"]
        if not isinstance(c, dict) or "object" not in c or "occluder" not in c:
            errs.append("expect.occlusion must be {'object': name, 'occluder': name}")
        else:
            need_obj("occlusion", c["object"])
            if isinstance(scene, dict) and c["occluder"] not in occ_names:
                errs.append(f"expect.occlusion.occluder {c['occluder']!r} is not an occluder in 'scene'")
    if "contained" in expect:
        c = expect["contained"]
        if not isinstance(c, dict) or "object" not in c or "container" not in c:
            errs.append("expect.contained must be {'object': name, 'container': name}")
        else:
            need_obj("contained", c["object"])
    if "count" in expect:
        c = expect["count"]
        if (not isinstance(c, dict) or c.get("colour") not in PROBE_COLOURS
                or isinstance(c.get("n"), bool) or not isinstance(c.get("n"), int) or c["n"] < 1):
            errs.append("expect.count must be {'colour': object colour, 'n': positive int}")
    if "persist" in expect:
        c = expect["persist"]
        if not isinstance(c, dict) or "object" not in c or not isinstance(c.get("attributes"), list):
            errs.append("expect.persist must be {'object': name, 'attributes': [...]}")
        else:
            need_obj("persist", c["object"])
            badattr = set(c["attributes"]) - {"colour", "shape", "size"}
            if badattr:
                errs.append(f"expect.persist.attributes: unknown {sorted(badattr)}")
    if "audio" in expect:  # audio hook (bench.metrics.av)
        c = expect["audio"]
        n = c.get("impacts", 0) if isinstance(c, dict) else None
        if not isinstance(c, dict) or set(c) - {"impacts", "sources"} or isinstance(n, bool) \
                or not isinstance(n, int) or n < 0 or not isinstance(c.get("sources", []), list):
            errs.append("expect.audio must be {'impacts': non-negative int, 'sources': [object names]}")
        else:
            for name in c.get("sources", []):
                need_obj("audio", name)
    if "cross" in expect:
        c = expect["cross"]
        if not isinstance(c, list) or len(c) != 2:
            errs.append("expect.cross must be a list of two object names")
        else:
            for n in c:
                need_obj("cross", n)
    if "requires_weights" in expect and not isinstance(expect["requires_weights"], list):
        errs.append("expect.requires_weights must be a list")

    checks = probe.get("checks", [])
    if not isinstance(checks, list) or not all(isinstance(c, str) for c in checks):
        errs.append("'checks' must be a list of metric ids")
    if scene is not None and not isinstance(scene, dict):
        errs.append("'scene' must be an object or null")
    bg = probe.get("background", [])
    bg = [bg] if isinstance(bg, str) else bg
    if not isinstance(bg, list) or not all(c in PROBE_COLOURS for c in bg):
        errs.append(f"'background' must be a colour or a list of colours from {sorted(PROBE_COLOURS)}")
    if "tags" in probe and not (isinstance(probe["tags"], list)
                                and all(isinstance(t, str) for t in probe["tags"])):
        errs.append("'tags' must be a list of strings")
    return errs
