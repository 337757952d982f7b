"""The cpu profile runs both worlds' controls; the 3-D world on fewer probes per category."""

from __future__ import annotations

import collections

import pytest

from bench.errors import UserError
from bench.profiles import profile_config
from bench.runner import per_category_for, plan
from bench.suites import load_suite
from bench.validity import parse_variant, variant_world


def test_cpu_profile_runs_both_worlds_with_fewer_3d_probes() -> None:
    cfg = profile_config("cpu")
    models = cfg["models"]
    for world in ("2d", "3d"):
        kinds = collections.Counter(parse_variant(m)[0] for m in models if variant_world(m) == world)
        assert kinds["clean"] == 1 and kinds["violation"] >= 15 and kinds["nuisance"] >= 7
    assert {"oracle3d~pan", "oracle3d~light", "oracle3d~retexture"} <= set(models)
    suites = [load_suite(s) for s in cfg["suites"]]
    jobs = plan(["oracle", "oracle3d"], suites, 1, 0, per_category=cfg["per_category"])
    per = collections.Counter(j.model for j in jobs)
    cats = {(s.name, p["category"]) for s in suites for p in s.probes}
    assert per["oracle"] == 3 * len(cats) > per["oracle3d"] == 2 * len(cats)


def test_per_category_patterns() -> None:
    assert per_category_for("oracle3d+late", {"oracle3d*": 2, "*": 3}) == 2
    assert per_category_for("oracle+late", {"oracle3d*": 2, "*": 3}) == 3
    assert per_category_for("x", {"oracle*": 2}) is None and per_category_for("x", 4) == 4
    with pytest.raises(UserError):
        per_category_for("oracle", {"*": 0})


def test_variant_world() -> None:
    assert variant_world("oracle3d+late:0.5") == "3d" and variant_world("oracle~h264") == "2d"
    assert variant_world("tiny-wan") is None and parse_variant("oracle3d~pan") == ("nuisance", "pan", None)
    assert parse_variant("oracle3d") == ("clean", None, None)
