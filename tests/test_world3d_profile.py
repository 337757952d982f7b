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
    jobs = plan(["oracle", "oracle3d", "oracle3d~pan"], suites, 1, 0, per_category=cfg["per_category"])
    per = collections.Counter(j.model for j in jobs)
    cats = {(s.name, p["category"]) for s in suites for p in s.probes}
    assert per["oracle"] == 3 * len(cats) > per["oracle3d"] == 2 * len(cats) > per["oracle3d~pan"] == len(cats)


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


def test_validity_has_a_world_column_and_the_gate_needs_both_worlds(tmp_path) -> None:
    import pandas as pd

    from bench.report.compute import validated_checks
    from bench.validity import validity_tables, write_validity
    from tests.test_validity import _rows

    s2, m2 = _rows()
    s2, m2 = s2[s2.model != "oracle~noise:1"], m2
    s3, m3 = _rows()
    for df in (s3, m3):
        df["model"] = df["model"].str.replace("oracle", "oracle3d", n=1)
    # in 3-D the check misses the violation: it fails the gate there
    s3.loc[(s3.model == "oracle3d+vanish:1.0") & (s3.metric == "probe.reappearance"), ["value", "verdict"]] = [1.0, "pass"]
    t = validity_tables(pd.concat([s2, s3]), pd.concat([m2, m3]))
    m = t["matrix"]
    assert list(m["world"].unique()) == ["3d", "2d"]                       # the 3-D world first
    r = m.set_index(["world", "metric"])
    assert bool(r.loc[("2d", "probe.reappearance"), "valid"]) and not bool(r.loc[("3d", "probe.reappearance"), "valid"])
    v = validated_checks(m, {}).set_index("metric")
    assert not bool(v.loc["probe.reappearance", "validated"])             # needs the gate in both worlds
    v2 = validated_checks(m[m.world == "2d"], {}).set_index("metric")
    assert bool(v2.loc["probe.reappearance", "validated"])
    write_validity(t, tmp_path, provenance={"run_id": "r"})
    md = (tmp_path / "validity.md").read_text()
    assert md.index("3-D world") < md.index("2-D world")
