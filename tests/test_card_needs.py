"""Every open card states its needs and cites its defaults; the preflight and `bench doctor --model`."""

from __future__ import annotations

import fnmatch

import pytest

from bench.errors import UserError
from bench.generators.diffusion import cards
from bench.generators.diffusion import needs as card_needs

#: Packages a card needs that neither extra carries, with the reason (said in the card's notes too).
NOT_IN_EXTRAS = {"cosmos_guardrail": "pulls opencv-python, which clashes with opencv-python-headless"}

OPEN = sorted(cid for cid, c in cards.load_cards().cards.items() if c.kind == "diffusers")


@pytest.mark.parametrize("cid", OPEN)
def test_card_states_its_needs_and_cites_its_defaults(cid):
    c = cards.load_cards().get(cid)
    n = c.needs
    assert n["tokenizers"], "tokenizer kind missing"
    assert "model_index.json" in n["files"] and "not read from the live hub" in n["files_note"].lower()
    for comp, kind in n["tokenizers"].items():
        for f in card_needs.TOKENIZER_KINDS[kind]["files"]:      # the kind's files are listed
            assert f"{comp}/{f}" in n["files"], (comp, f)
    for key in ("steps", "guidance", "dtype"):
        assert key in c.sources, key
    if c.defaults.get("negative_prompt"):
        assert "negative_prompt" in c.sources
    if c.scheduler:
        assert "scheduler" in c.sources
    allow = c.raw.get("allow_patterns") or []
    for f in n["files"]:  # a fetch with the card's allow_patterns gets every file loading reads
        assert not allow or any(fnmatch.fnmatch(f, p) for a in allow for p in a.split("|")), f


@pytest.mark.parametrize("cid", OPEN)
def test_every_package_a_card_needs_is_installed_here(cid):
    """CI installs the dev extra (which carries the gpu extra's tokenizer packages): a package a card
    needs but pyproject does not list fails here."""
    c = cards.load_cards().get(cid)
    missing = [m for m in card_needs.required_packages(c) if card_needs.package_missing(m) and m not in NOT_IN_EXTRAS]
    assert missing == []
    for m in set(card_needs.required_packages(c)) & set(NOT_IN_EXTRAS):
        assert m in c.raw["notes"], f"{cid}: say in the notes why {m} is not in the gpu extra"


def test_gpu_and_dev_extras_carry_the_card_packages():
    import tomllib
    from pathlib import Path

    extras = tomllib.loads((Path(cards.MODELS_DIR).parent / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    names = lambda reqs: {r.split(">")[0].split("=")[0].split("[")[0].strip().lower() for r in reqs}  # noqa: E731
    cs = cards.load_cards()
    need = {card_needs.PIP_NAMES.get(m, m).lower() for cid in OPEN
            for m in card_needs.required_packages(cs.get(cid)) if m not in NOT_IN_EXTRAS}
    assert need <= names(extras["gpu"]) and need <= names(extras["dev"]), need - names(extras["gpu"])


def test_settings_follow_the_models_own_recommendations():
    cs = cards.load_cards()
    wan = cs.get("wan2.1-t2v-1.3b")
    assert wan.defaults["guidance"] == 6.0 and 8 <= wan.scheduler["config"]["flow_shift"] <= 12
    for cid in ("wan2.1-t2v-1.3b", "wan2.1-t2v-14b", "wan2.1-i2v-14b-480p", "wan2.2-ti2v-5b", "ltx-video", "allegro"):
        assert cs.get(cid).defaults.get("negative_prompt"), cid
    for cid in ("cogvideox-5b", "cogvideox-5b-i2v", "cogvideox1.5-5b"):
        c = cs.get(cid)
        assert c.scheduler["class"] == "CogVideoXDPMScheduler" and c.call["use_dynamic_cfg"] is True
    mochi = cs.get("mochi-1")
    assert mochi.dtype["text_encoder"] == mochi.dtype["vae"] == "float32"
    assert mochi.defaults["frames"] == 85 and "at 85 frames" in mochi.path.read_text()  # the memory figure's
    allow = mochi.raw["allow_patterns"]
    for unused in ("dit.safetensors", "decoder.safetensors", "transformer/diffusion_pytorch_model-00001-of-00005.safetensors"):
        assert not any(fnmatch.fnmatch(unused, p) for p in allow), unused
    assert any(fnmatch.fnmatch("transformer/diffusion_pytorch_model-00001-of-00002.bf16.safetensors", p) for p in allow)
    assert cs.get("modelscope-t2v").defaults["steps"] == 50


def test_bad_needs_block_is_one_line_error(tmp_path):
    import yaml

    raw = yaml.safe_load(open(cards.MODELS_DIR / "ltx-video.yaml"))
    raw["needs"]["tokenizers"] = {"tokenizer": "t5-magic"}
    with pytest.raises(UserError, match=r"models/ltx-video.yaml: field 'needs': tokenizers.tokenizer: 't5-magic'"):
        cards.parse_card(raw, expect_id="ltx-video")
    raw = yaml.safe_load(open(cards.MODELS_DIR / "ltx-video.yaml"))
    raw["defaults_sources"]["colour"] = "x"
    with pytest.raises(UserError, match="defaults_sources"):
        cards.parse_card(raw, expect_id="ltx-video")


def test_doctor_model_lists_what_is_missing(capsys, tmp_path, monkeypatch):
    from bench.cli import main

    monkeypatch.setenv("BENCH_WEIGHTS_DIR", str(tmp_path / "w"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    assert main(["doctor", "--model", "cogvideox-5b"]) == 0
    out = capsys.readouterr().out
    assert "NOT READY" in out and "MISSING weights cogvideox-5b" in out and "bench weights fetch cogvideox-5b" in out
    assert "OK      Python package sentencepiece" in out and "source of scheduler" in out
    assert main(["doctor", "--model", "nope-model"]) != 0
    assert "bench: error: --model 'nope-model'" in capsys.readouterr().err
