"""The provenance survival study: Wilson intervals, every transformation runs, the controls hold."""

from __future__ import annotations

import math

import pytest

from bench.survival import SIGNALS, TRANSFORMS, run_study, wide, wilson, write_tables


@pytest.fixture(autouse=True)
def _chain_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("BENCH_C2PA_DIR", str(tmp_path_factory.getbasetemp() / "c2pa-chain"))
    monkeypatch.delenv("BENCH_C2PA_CERT", raising=False)
    monkeypatch.delenv("BENCH_C2PA_KEY", raising=False)


def test_wilson_against_closed_forms():
    z = 1.959963984540054
    # k = 0: the interval is [0, z^2 / (n + z^2)]
    assert wilson(0, 30) == pytest.approx((0.0, z * z / (30 + z * z)), abs=1e-12)
    assert wilson(30, 30) == pytest.approx((30 / (30 + z * z), 1.0), abs=1e-12)
    # k = n/2: symmetric about 1/2 with half-width z sqrt(n/4 + z^2/4) / (n + z^2)
    lo, hi = wilson(15, 30)
    half = z * math.sqrt(30 / 4 + z * z / 4) / (30 + z * z)
    assert (lo, hi) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-12)
    with pytest.raises(ValueError):
        wilson(0, 0)


def test_study_runs_every_transformation_and_controls_hold(tmp_path):
    assert len(TRANSFORMS) >= 8 and len(SIGNALS) >= 3
    df = run_study(2, frames=8, size=64)
    assert len(df) == (len(TRANSFORMS) + 1) * len(SIGNALS)
    share = df.set_index(["transformation", "signal"])["survived"]
    assert (df[df.transformation != "unmarked"].before == 2).all()   # sources carry every signal
    for s in SIGNALS:
        assert share[("copy", s)] == 2          # positive control
        assert share[("unmarked", s)] == 0      # negative control: no false positive
    assert share[("remux-mp4", "C2PA present")] == 0 and share[("remux-mp4", "container tag")] == 2
    assert share[("h264-crf23", "C2PA valid")] == 0
    assert share[("screen-capture", "container tag")] == 0
    assert ((df.ci_low <= df.share) & (df.share <= df.ci_high)).all()
    paths = write_tables(df, tmp_path, frames=8, size=64)
    assert [p.name for p in paths] == ["provenance.csv", "provenance.md", "provenance.html"]
    md = paths[1].read_text()
    assert md.count("\n| ") == len(TRANSFORMS) + 2 and "Wilson" in md
    page = paths[2].read_text()
    assert "<table" in page and "MP4 -&gt; MP4" in page and "MP4 -> MP4" not in page   # labels escaped
    assert list(wide(df).transformation[:2]) == ["unmarked", "copy"]


def test_study_config_is_checked(tmp_path):
    from bench.errors import UserError
    from bench.profiles import profile_config
    from bench.survival import run_notebook

    assert profile_config("cpu")["provenance_study"] == {"videos": 30, "frames": 24, "size": 128}
    with pytest.raises(UserError, match="unknown keys"):
        run_notebook(tmp_path, {"videos": 2, "colour": 1})
    with pytest.raises(UserError, match="videos must be >= 1"):
        run_notebook(tmp_path, {"videos": 0})
    assert not list(tmp_path.iterdir())          # nothing written on bad input
