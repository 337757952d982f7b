"""CLI contract: one-line errors, non-zero exits, nothing written on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import main

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "BENCH_PROGRESS": "0"}
    return subprocess.run([sys.executable, "-m", "bench", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, env=env, timeout=300)


def _one_line_error(r: subprocess.CompletedProcess, *needles: str) -> None:
    assert r.returncode != 0, r.stdout
    err = r.stderr.strip()
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert lines and lines[-1].startswith("bench: error: "), err
    assert len([ln for ln in lines if ln.startswith("bench: error")]) == 1
    for n in needles:
        assert n in lines[-1], lines[-1]


def test_help_lists_commands():
    r = run_cli("--help")
    assert r.returncode == 0
    for cmd in ("doctor", "suites", "models", "metrics", "generate", "score", "report", "run"):
        assert cmd in r.stdout


def test_unknown_model_writes_nothing(tmp_path):
    run = tmp_path / "run"
    r = run_cli("generate", "--model", "no-such-model", "--suite", "physics", "--run", str(run))
    _one_line_error(r, "unknown model 'no-such-model'")
    assert not run.exists()


def test_unknown_suite_writes_nothing(tmp_path):
    run = tmp_path / "run"
    r = run_cli("generate", "--model", "oracle", "--suite", "nosuite", "--run", str(run))
    _one_line_error(r, "unknown suite 'nosuite'")
    assert not run.exists()


def test_missing_run_directory(tmp_path):
    _one_line_error(run_cli("score", str(tmp_path / "absent")), "run directory not found")
    _one_line_error(run_cli("report", str(tmp_path / "absent"), "--out", str(tmp_path / "o")),
                    "run directory not found")
    assert not (tmp_path / "o").exists()


def test_unknown_metric(tmp_path, capsys):
    from bench.store.run import RunStore

    RunStore.create(tmp_path / "run", {"config": {}})
    before = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert main(["score", str(tmp_path / "run"), "--metrics", "no.such.metric"]) == 2
    assert "unknown metric 'no.such.metric'" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == before


@pytest.mark.parametrize("text,needle", [
    ("suites: [physics\nmodels: [oracle]", "invalid YAML"),
    ("suites: [physics]\nmodels: [oracle]\nsamples: 1\nseed: 0\nbogus: 1\n", "unknown key 'bogus'"),
    ("suites: [physics]\nmodels: [oracle]\nseed: 0\n", "missing required key 'samples'"),
    ("suites: [physics]\nmodels: [oracle]\nsamples: two\nseed: 0\n", "'samples' has the wrong type"),
    ("- just\n- a list\n", "must be a YAML mapping"),
])
def test_malformed_config(tmp_path, capsys, text, needle):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text)
    run = tmp_path / "run"
    assert main(["run", "--config", str(cfg), "--run", str(run)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert needle in err and str(cfg) in err
    assert not run.exists()


def test_suites_json_lists_every_suite():
    r = run_cli("suites", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    names = {d["suite"] for d in data}
    assert {"physics", "permanence", "identity"} <= names
    for d in data:
        assert d["probes"] == sum(d["categories"].values()) and len(d["sha256"]) == 64


def test_bad_suite_line_is_reported_with_file_and_line(tmp_path, capsys):
    p = tmp_path / "physics.jsonl"
    good = {"id": "physics.a.b", "suite": "physics", "category": "P1", "prompt": "A red ball falls."}
    p.write_text(json.dumps(good) + "\n" + '{"id": "physics.a.c", "suite": "physics"}\n')
    assert main(["suites", "--suite", str(p)]) == 2
    assert f"{p}:2: missing required field 'category'" in capsys.readouterr().err


def test_doctor_says_truthfully_that_no_generator_weights_are_here():
    r = run_cli("doctor")
    assert r.returncode == 0, r.stderr
    assert "no real generator weights are present here" in r.stdout
    assert "bench weights fetch wan2.1-t2v-1.3b" in r.stdout
    assert "profile `make bench` would pick: cpu" in r.stdout
    data = json.loads(run_cli("doctor", "--json").stdout)
    real = [g for g in data["generators"] if g["kind"] == "diffusers"]
    assert real and not any(g["runs_here"] for g in real)
    assert not any(w["found"] for w in data["weights"])
