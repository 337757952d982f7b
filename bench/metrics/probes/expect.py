"""What a probe says about its objects, read once for the analysis: what ``probe.count`` counts and
what each object does (moves or rests), which binds look-alikes to tracks."""

from __future__ import annotations

from typing import Any


def count_target(probe: dict[str, Any]) -> dict[str, Any] | None:
    """What ``probe.count`` counts: ``expect.count``, else the colour of the first object with a
    ``count`` and the number of objects of that colour the probe describes (each object's
    ``count``, default 1); ``None`` when neither is given."""
    c = (probe.get("expect") or {}).get("count")
    if isinstance(c, dict):
        return c
    objs = [o for o in probe.get("objects") or [] if isinstance(o, dict)]
    first = next((o for o in objs if "count" in o), None)
    if first is None:
        return None
    n = sum(int(o.get("count", 1)) for o in objs if o.get("colour") == first["colour"])
    return {"colour": first["colour"], "n": n}


def roles(expect: dict[str, Any]) -> dict[str, str]:
    """What the probe says each object does: "moving" or "at_rest" (binding look-alikes)."""
    out: dict[str, str] = {}
    for n in expect.get("at_rest") or []:
        out[n] = "at_rest"
    moving = [expect.get("decelerate"), expect.get("bounce")] + list(expect.get("cross") or [])
    moving += list(expect.get("leaves_frame") or [])
    for key, sub in (("collision", "a"), ("occlusion", "object")):
        if isinstance(expect.get(key), dict):
            moving.append(expect[key].get(sub))
    for n in moving:
        if isinstance(n, str):
            out.setdefault(n, "moving")
    return out
