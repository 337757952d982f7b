"""The leaderboard: numbers match a reference computation, controls and random weights are kept apart,
missing stays missing, user text is escaped, every file and image exists."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from bench.errors import UserError
from bench.report import build_leaderboard, load_schema
from bench.report.schema import DEFAULT_SCHEMA
from bench.report.synthetic import SynthModel, make_run

EVIL = 'evil<script>alert("x")</script>'


def fast_schema(tmp_path: Path, **changes) -> Path:
    """The shipped schema with 300 bootstrap replicates (tests only) and optional changes."""
    doc = yaml.safe_load(DEFAULT_SCHEMA.read_text())
    doc["statistics"]["n_boot"] = 300
    for k, v in changes.items():
        doc[k] = v
    p = tmp_path / "schema.yaml"
    p.write_text(yaml.safe_dump(doc))
    return p


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    a = make_run(root / "run-a", {
        "oracle": SynthModel(1.0),
        "oracle+vanish:1.0": SynthModel(0.1),
        "genA": SynthModel(0.8, p_setup_failed=0.15),
        EVIL: SynthModel(0.3, missing_checks=("probe.bounce",)),
    }, probes_per_category=3, samples=2, seed=3)
    b = make_run(root / "run-b", {"tinygen": SynthModel(0.9)}, probes_per_category=3, samples=2, seed=4,
                 run_meta={"random_weights": True})
    return a, b


@pytest.fixture(scope="module")
def built(runs, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lb")
    out = tmp / "out"
    res = build_leaderboard(list(runs), out, schema=fast_schema(tmp), seed=0)
    return out, res


def _reference_pass_rates(scores: pd.DataFrame, model: str) -> tuple[float, dict[str, float], int]:
    """Straight from the documented rules, independent of bench.stats: a video passes when no check
    failed or setup-failed and none is missing; probe = mean over samples; category = mean of probes;
    suite = mean of categories; overall = mean of suites."""
    p = scores[(scores["model"] == model) & (scores["metric_kind"] == "probe")]

    def video(v: pd.Series) -> float:
        if v.isin(["fail", "setup_failed"]).any():
            return 0.0
        return np.nan if v.isna().any() else 1.0

    vid = p.groupby(["suite", "category", "probe_id", "sample"])["verdict"].apply(video)
    probe = vid.groupby(level=[0, 1, 2]).mean()
    cat = probe.groupby(level=[0, 1]).mean()
    suite = cat.groupby(level=0).mean()
    n_sf = int(p.groupby(["suite", "probe_id", "sample"])["verdict"].apply(lambda v: (v == "setup_failed").any()).sum())
    return float(suite.mean()), suite.to_dict(), n_sf


def test_files_written_and_images_exist(built):
    out, res = built
    for name in ("leaderboard.md", "leaderboard.html", "leaderboard.csv", "leaderboard_long.csv",
                 "comparisons.csv", "set_metrics.csv", "plots/heatmap_categories.png", "plots/bars_overall.png",
                 "plots/bars_physics.png", "plots/bars_permanence.png"):
        assert (out / name).is_file(), name
    assert all(Path(f).is_file() for f in res["files"])
    assert res["strips"], "failure strips were drawn from the lossless videos"
    html = (out / "leaderboard.html").read_text()
    srcs = re.findall(r'<img src="([^"]+)"', html)
    assert srcs and all((out / s).is_file() for s in srcs)
    md = (out / "leaderboard.md").read_text()
    for s in re.findall(r"\]\((plots/[^)]+)\)", md):
        assert (out / s).is_file()
    assert not list(out.rglob(".tmp-*"))                       # nothing half-written left behind


def test_pass_rates_match_reference_computation(runs, built):
    out, _ = built
    csv = pd.read_csv(out / "leaderboard.csv").set_index("entry")
    scores = pd.read_parquet(runs[0] / "scores.parquet")
    for model in ("genA", "oracle+vanish:1.0", "oracle"):
        overall, suites, n_sf = _reference_pass_rates(scores, model)
        assert csv.at[model, "overall_pass_rate"] == pytest.approx(overall)
        for s, v in suites.items():
            assert csv.at[model, f"{s}_pass_rate"] == pytest.approx(v)
        assert csv.at[model, "overall_n_setup_failed"] == n_sf
        lo, hi = csv.at[model, "overall_pass_rate_ci_lo"], csv.at[model, "overall_pass_rate_ci_hi"]
        assert lo <= overall <= hi
    assert csv.at["genA", "overall_n_setup_failed"] > 0        # the fixture plants setup failures
    assert csv.at["oracle", "overall_pass_rate"] == 1.0


def test_controls_and_random_weights_are_kept_apart(built):
    out, res = built
    csv = pd.read_csv(out / "leaderboard.csv").set_index("entry")
    assert csv.at["oracle", "section"] == "control" and csv.at["oracle+vanish:1.0", "section"] == "control"
    assert csv.at["genA", "section"] == "generator"
    assert csv.at["tinygen [random weights]", "section"] == "random"
    assert bool(csv.at["tinygen [random weights]", "random_weights"])
    assert "tinygen" not in csv.index                          # never shown under its bare name
    gens = res["tables"]["generators"]
    assert set(gens["Model"]) == {"genA", EVIL}
    assert set(res["tables"]["controls"]["Model"]) == {"oracle", "oracle+vanish:1.0"}
    md = (out / "leaderboard.md").read_text()
    gen_section = md.split("## Generators")[1].split("\n## ")[0]
    assert "oracle" not in gen_section and "tinygen" not in gen_section
    assert "## Controls" in md and "## Random-weight runs" in md
    assert "not real scores" in md
    # set-level metrics carry the label too
    sets = pd.read_csv(out / "set_metrics.csv")
    assert set(sets.loc[sets["model"] == "tinygen", "entry"]) == {"tinygen [random weights]"}
    # ranks are within a section: the oracle is first among controls, and no control is ranked among generators
    r = res["leaderboard"].ranks
    r = r[(r["metric"] == "probe.pass") & (r["level"] == "overall")]
    assert set(r.loc[r["section"] == "generator", "entry"]) == {"genA", EVIL}
    ctrl = r[r["section"] == "control"].set_index("entry")
    assert ctrl.at["oracle", "rank"] == 1 and ctrl.at["oracle+vanish:1.0", "rank"] == 2


def test_missing_is_shown_as_missing_never_zero(built):
    out, res = built
    lb = res["leaderboard"]
    s = lb.summary
    clip = s[s["metric"] == "clip.clipsim"]
    assert clip["estimate"].isna().all() and (clip.loc[clip["level"] == "overall", "n_missing"] > 0).all()
    std = res["tables"]["standard"].set_index("Model")
    assert (std["CLIPSIM ↑"] == "—").all()
    sets = res["tables"]["sets"]
    kvd = sets[sets["Metric"] == "KVD (I3D)"]
    assert (kvd["Value ± std"] == "—").all() and kvd["Status"].str.startswith("unavailable").all()
    # EVIL has no bounce check: P2 has no probe pass value -> "—" in the category table, † on its suite
    cats = res["tables"]["categories"].set_index("Model")
    assert cats.at[EVIL, "P2 collision and bounce"] == "—"
    assert "†" in res["tables"]["generators"].set_index("Model").at[EVIL, "physics"]
    csv = pd.read_csv(out / "leaderboard.csv").set_index("entry")
    assert bool(csv.at[EVIL, "physics_partial"]) and csv.at[EVIL, "overall_n_missing"] > 0


def test_user_text_is_escaped_in_html(built):
    out, _ = built
    html = (out / "leaderboard.html").read_text()
    assert "<script>" not in html and "<b>&</b>" not in html
    assert "evil&lt;script&gt;" in html
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html                # a failure reason, escaped
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")


def test_provenance_and_reading_guide(built):
    out, _ = built
    md = (out / "leaderboard.md").read_text()
    assert "How to read this" in md
    prov = md.split("## Provenance")[1]
    for text in ("run-a", "run-b", "aaaaaaaaaaaa", "synthetic", "Leaderboard schema", "synthetic-1"):
        assert text in prov, text


def test_deterministic_for_a_seed(runs, tmp_path):
    sch = fast_schema(tmp_path)
    a = build_leaderboard(runs[1], tmp_path / "a", schema=sch, seed=5, strips=False)["markdown"]
    b = build_leaderboard(runs[1], tmp_path / "b", schema=sch, seed=5, strips=False)["markdown"]
    c = build_leaderboard(runs[1], tmp_path / "c", schema=sch, seed=6, strips=False)["markdown"]
    assert a == b and a != c


def test_validity_table_restricts_checks_and_draws_plots(runs, tmp_path):
    v = pd.DataFrame({"metric": ["probe.gravity", "probe.continuity", "probe.bounce", "probe.reappearance"],
                      "violation": ["gravity_reversed", "teleport", "energy_gain", "vanish"],
                      "auroc": [0.97, 0.92, 0.55, 0.99]})
    v.to_csv(tmp_path / "validity.csv", index=False)
    pd.DataFrame({"metric": ["probe.gravity"] * 3, "violation": ["gravity_reversed"] * 3,
                  "dose": [0.0, 0.5, 1.0], "value": [0.5, 0.8, 0.97]}).to_csv(tmp_path / "validity_dose.csv",
                                                                               index=False)
    res = build_leaderboard(runs[0], tmp_path / "out", validity_csv=tmp_path / "validity.csv",
                            schema=fast_schema(tmp_path), strips=False)
    lb = res["leaderboard"]
    chk = lb.checks.set_index("metric")
    assert not chk.at["probe.bounce", "in_primary"] and chk.at["probe.gravity", "in_primary"]
    assert any("probe.bounce" in w for w in lb.warnings)
    assert (tmp_path / "out/plots/leaderboard_validity.png").is_file()
    assert (tmp_path / "out/plots/leaderboard_validity_dose.png").is_file()
    # EVIL lacked only the bounce check, which no longer enters the pass rate: no gap any more
    s = lb.summary
    row = s[(s["entry"] == EVIL) & (s["metric"] == "probe.pass") & (s["level"] == "overall")].iloc[0]
    assert not row["partial"] and row["n_missing"] == 0
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"metric": ["x"], "auc": [0.5]}).to_csv(bad, index=False)
    with pytest.raises(UserError, match="needs columns"):
        build_leaderboard(runs[0], tmp_path / "out2", validity_csv=bad, schema=fast_schema(tmp_path))


def test_validity_in_bench_validity_format(runs, tmp_path):
    # bench.validity writes detection rates of the verdicts and nuisance false-positive rates; the pass
    # rate uses verdicts, so those decide: detection >= 0.8 on some violation and every fpr <= 0.1.
    v = pd.DataFrame({
        "metric": ["probe.gravity", "probe.gravity", "probe.continuity", "probe.bounce", "probe.reappearance"],
        "violation": ["gravity_reversed", "vanish", "teleport", "energy_gain", "vanish"],
        "auroc": [0.99, 0.5, 0.95, 0.97, 0.99],
        "detection_rate": [1.0, 0.0, 0.9, 0.2, 0.95],
        "fpr_h264": [0.0, 0.0, 0.3, 0.0, 0.05],
    })
    v.to_csv(tmp_path / "validity.csv", index=False)
    pd.DataFrame({"metric": ["probe.gravity"] * 2, "violation": ["gravity_reversed"] * 2, "magnitude": [0.5, 1.0],
                  "auroc": [0.8, 0.99], "n": [6, 6]}).to_csv(tmp_path / "validity_dose.csv", index=False)
    res = build_leaderboard(runs[0], tmp_path / "out", validity_csv=tmp_path / "validity.csv",
                            schema=fast_schema(tmp_path), strips=False)
    chk = res["leaderboard"].checks.set_index("metric")
    assert chk["in_primary"].to_dict() == {"probe.bounce": False, "probe.continuity": False,
                                           "probe.gravity": True, "probe.reappearance": True}
    assert res["leaderboard"].dose["dose"].tolist() == [0.5, 1.0]
    assert (tmp_path / "out/plots/leaderboard_validity_dose.png").is_file()


def test_embedded_images(runs, tmp_path):
    res = build_leaderboard(runs[1], tmp_path / "o", schema=fast_schema(tmp_path), embed_images=True, strips=False)
    html = (tmp_path / "o" / "leaderboard.html").read_text()
    assert "data:image/png;base64," in html and 'src="plots/' not in html
    assert any("no generator" in w for w in res["leaderboard"].warnings)


def test_schema_is_checked(tmp_path, runs):
    s = load_schema()
    assert s.version >= 1 and s.is_control("oracle~h264:28") and not s.is_control("oracleish")
    with pytest.raises(UserError, match="unknown key"):
        load_schema(fast_schema(tmp_path, bogus=1))
    groups = yaml.safe_load(DEFAULT_SCHEMA.read_text())["groups"]
    assert groups[1]["metrics"][2]["id"] == "temporal.flicker"
    groups[1]["metrics"][2]["direction"] = "lower"              # the scores say 'higher': a stale schema
    with pytest.raises(UserError, match="temporal.flicker"):
        build_leaderboard(runs[0], tmp_path / "o", schema=fast_schema(tmp_path, groups=groups), strips=False)
    with pytest.raises(UserError, match="missing"):
        load_schema(fast_schema(tmp_path, aggregation={"missing": "zero"}))
    dup = yaml.safe_load(DEFAULT_SCHEMA.read_text())["groups"]
    dup[0]["metrics"].append({"id": "temporal.flicker"})
    with pytest.raises(UserError, match="listed twice"):
        load_schema(fast_schema(tmp_path, groups=dup))


def test_shipped_schema_names_registered_metrics():
    # every id the schema lists is a registered metric (a renamed metric must be renamed here too)
    from bench import plugins
    from bench.metrics.base import METRICS

    plugins.load()
    s = load_schema()
    listed = {m.id for m in (*s.metrics, *s.set_metrics)}
    assert listed <= set(METRICS.names()), sorted(listed - set(METRICS.names()))
    for m in (*s.metrics, *s.set_metrics):
        if m.direction:
            assert METRICS.get(m.id).spec.direction == m.direction, m.id


def test_propagate_makes_partial_values_missing(runs, tmp_path):
    sch = fast_schema(tmp_path, aggregation={"missing": "propagate"})
    res = build_leaderboard(runs[0], tmp_path / "o", schema=sch, strips=False)
    gens = res["tables"]["generators"].set_index("Model")
    assert gens.at[EVIL, "physics"] == "—" and gens.at[EVIL, "Overall"] == "—" and gens.at[EVIL, "Rank"] == "—"
    assert gens.at["genA", "physics"] != "—"


def test_control_difference_from_the_oracle_never_prints_minus_zero():
    from types import SimpleNamespace

    from bench.report.leaderboard import PASS_ID, _vs_reference

    pairs = pd.DataFrame([
        {"metric": PASS_ID, "level": "overall", "section": "control", "a": "oracle", "b": "oracle~noise",
         "diff": 1e-12, "significant": False, "p_adj": 1.0},
        {"metric": PASS_ID, "level": "overall", "section": "control", "a": "oracle", "b": "oracle+vanish:1.0",
         "diff": 0.25, "significant": True, "p_adj": 0.001},
    ])
    out = _vs_reference(SimpleNamespace(pairs=pairs))
    assert out["oracle~noise"].startswith("±0.0 pp, n.s.")
    # diff = oracle - other = +0.25, so the violation is 25 points below the oracle
    assert out["oracle+vanish:1.0"].startswith("-25.0 pp, differs")
