"""The leaderboard notebook runs headless through papermill on a tiny synthetic run and exports HTML."""

from __future__ import annotations

import json

import nbformat
import pytest
import yaml

from bench.errors import UserError
from bench.report.notebooks import NOTEBOOKS, execute_notebook
from bench.report.schema import DEFAULT_SCHEMA
from bench.report.synthetic import SynthModel, make_run


def test_notebook_is_a_thin_papermill_notebook():
    nb = nbformat.read(str(NOTEBOOKS / "leaderboard.ipynb"), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["kernelspec"]["language"] == "python"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for name in ("runs", "out_dir", "validity_csv"):
        assert f"{name} =" in params[0].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) <= 5 and all(len(c.source.splitlines()) <= 15 for c in code)   # logic lives in bench
    assert all(not c.get("outputs") for c in code)                                  # committed without outputs


def test_notebook_executes_headless(tmp_path):
    run = make_run(tmp_path / "run", {"oracle": SynthModel(1.0), "genA": SynthModel(0.6, 0.1),
                                      "genB": SynthModel(0.3)}, probes_per_category=2, samples=2, seed=0)
    doc = yaml.safe_load(DEFAULT_SCHEMA.read_text())
    doc["statistics"]["n_boot"] = 200
    schema = tmp_path / "schema.yaml"
    schema.write_text(yaml.safe_dump(doc))
    out = tmp_path / "results"
    html = execute_notebook("leaderboard", {"runs": [run], "out_dir": out, "validity_csv": None,
                                            "schema": schema}, out / "notebooks")
    assert html == out / "notebooks" / "leaderboard.html" and html.is_file()
    assert (out / "notebooks" / "leaderboard.ipynb").is_file()
    for name in ("leaderboard.md", "leaderboard.csv", "leaderboard.html", "plots/bars_overall.png"):
        assert (out / name).is_file()
    text = html.read_text()
    assert "genA" in text and "Controls" in text and "data:image/png;base64" in text
    executed = json.loads((out / "notebooks" / "leaderboard.ipynb").read_text())
    assert not any(o.get("output_type") == "error" for c in executed["cells"] for o in c.get("outputs", []))
    assert not list(out.rglob(".tmp-*"))


def test_failing_notebook_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="cell"):
        execute_notebook("leaderboard", {"runs": [str(tmp_path / "missing-run")], "out_dir": str(tmp_path / "o"),
                                         "validity_csv": None}, tmp_path / "o" / "notebooks")
    assert not (tmp_path / "o" / "notebooks" / "leaderboard.ipynb").exists()
    assert (tmp_path / "o" / "notebooks" / "leaderboard.failed.ipynb").exists()
    with pytest.raises(UserError, match="unknown notebook"):
        execute_notebook("nope", {}, tmp_path)
