"""Which generators make native audio: closed cards' ``native_audio`` field, audio pipelines,
the oracle's setting, shown by ``bench models`` (table and --json)."""

from __future__ import annotations

import json

from bench.cli import main
from bench.cli.info import native_audio
from bench.generators.base import GeneratorInfo


def test_native_audio_from_the_card_the_pipeline_or_the_kind():
    assert native_audio(GeneratorInfo("x", "import", "api", card={"native_audio": True})) == "yes"
    assert native_audio(GeneratorInfo("x", "import", "api", card={"native_audio": False})) == "no"
    assert native_audio(GeneratorInfo("x", "import", "api", card={"native_audio": "unknown"})) == "unknown"
    assert native_audio(GeneratorInfo("x", "diffusers", "open-weights", card={"pipeline": "LTX2Pipeline"})) == "yes"
    assert native_audio(GeneratorInfo("x", "diffusers", "open-weights", card={"pipeline": "LTXPipeline"})) == "no"
    assert native_audio(GeneratorInfo("oracle", "oracle", "local")) == "on request"


def test_bench_models_shows_the_audio_column(capsys):
    assert main(["models", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["sora-2"]["native_audio"] == "yes" and rows["veo-3.1"]["native_audio"] == "yes"
    assert rows["ltx-2"]["native_audio"] == "yes" and rows["ltx-video"]["native_audio"] == "no"
    assert rows["hailuo-2"]["native_audio"] == "unknown"
    assert main(["models"]) == 0
    out = capsys.readouterr().out.splitlines()
    head = out[0].split()
    assert "audio" in head
    sora = next(line for line in out if line.startswith("sora-2 "))
    assert sora.split()[head.index("audio")] == "yes"
