"""Every notebook in notebooks/ executes headless through papermill on tiny parameters: the
generate -> score -> validity -> explorer chain on a real (tiny) oracle run."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from bench.report.notebooks import NOTEBOOKS, execute_notebook

CHAIN = ("generate", "score", "validity", "explorer")


@pytest.mark.parametrize("name", sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_is_thin_and_headless_ready(name):
    nb = nbformat.read(str(NOTEBOOKS / f"{name}.ipynb"), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(len(c.source.splitlines()) <= 15 for c in code)  # logic lives in the package
    assert all(not c.get("outputs") for c in code)


@pytest.mark.slow
def test_generate_score_validity_explorer_chain(tmp_path):
    run = tmp_path / "run"
    out = tmp_path / "out"
    params = {
        "generate": {"model": "oracle", "suite": "permanence", "samples": 1, "limit": 2, "seed": 1,
                     "run": str(run), "settings": {"frames": 12, "size": 64}},
        "score": {"run": str(run), "metrics": ["temporal.flicker", "probe.reappearance", "probe.spurious"]},
        "validity": {"run": str(run), "out_dir": str(out)},
        "explorer": {"run": str(run), "model": "oracle", "probe_id": "", "sample": 0},
    }
    for name in CHAIN:
        html = execute_notebook(name, params[name], out / "nb")
        assert html.exists() and html.stat().st_size > 10_000
        assert (out / "nb" / f"{name}.ipynb").exists()
    sc = pd.read_parquet(run / "scores.parquet")
    assert set(sc.metric) == {"temporal.flicker", "probe.reappearance", "probe.spurious"}
    # a run of the clean oracle alone has no violations: the validity tables exist but are empty
    assert (out / "validity.csv").exists()
    assert "probe.reappearance" in (out / "nb" / "explorer.html").read_text()
