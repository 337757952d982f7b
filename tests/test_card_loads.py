"""The newest cards (LTX-2, HunyuanVideo 1.5, Kandinsky 5, Cosmos Predict2) loaded through the real
adapter from tiny random-weight folders in their repositories' layouts (:mod:`tests.reallayouts`),
1 step on the CPU at the smallest size each model allows.

What each test checks beyond "it runs": the tokenizer folder holds only the files the card's
tokenizer kind names, the token ids equal those of an independent reader of the same files, the
card's call arguments reach the pipeline, and (LTX-2) the generated sound comes back in
``Video.audio`` and is the sound track of the stored video, equal (within 16-bit rounding) to what
the pipeline itself returns for the same seed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from bench.errors import UserError
from bench.generators.diffusion import needs as card_needs
from bench.generators.diffusion import tokcheck
from bench.generators.diffusion.adapter import DiffusersGenerator
from tests.reallayouts import real_card_on
from tests.tinypipes import PROBE, PROBE_SCENE, StubOracle, tiny_dir  # noqa: F401


def _run(card, probe=PROBE, **settings):
    g = DiffusersGenerator(card)
    v = g.generate(probe, 3, {"steps": 1, **settings})
    return g, v


def _files(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


# ----------------------------------------------------------------------------- LTX-2 (video with sound)


def test_ltx2_card_returns_the_generated_sound_in_the_stored_video(tmp_path):
    import torch

    from bench.audio.track import Audio
    from bench.store.run import RunStore
    from bench.video import read_video
    from tests.reallayouts import build_tiny_ltx2

    folder = build_tiny_ltx2(tmp_path / "ltx2")
    assert _files(folder / "tokenizer") == ["tokenizer.json", "tokenizer_config.json"]   # gemma-fast
    # the tiny Gemma pads prompts to 32 tokens instead of the pipeline's 1024 (speed only)
    card = dataclasses.replace(real_card_on("ltx-2", folder), call={"max_sequence_length": 32})
    g, v = _run(card, frames=9, height=32, width=32)
    try:
        p = v.provenance["params"]
        assert v.frames.shape == (9, 32, 32, 3) and p["pipeline"] == "LTX2Pipeline"
        assert p["tokenizers"]["tokenizer"].startswith("ok") and p["call"]["frame_rate"] == 24.0
        assert p["call"]["negative_prompt"] == card.defaults["negative_prompt"]
        assert isinstance(v.audio, Audio) and v.audio.sample_rate == 16000 and v.audio.channels == 2
        desc = v.provenance["pipeline_audio"]
        assert desc["samples"] == v.audio.n > 0 and desc["sample_rate"] == 16000
        # the pipeline's own sound for the same call (same CPU generator seed): the reference
        kw = {k: val for k, val in p["call"].items() if k != "generator"}
        with torch.inference_mode():
            ref = g._pipe(prompt=PROBE["prompt"], generator=torch.Generator("cpu").manual_seed(3), **kw).audio
        ref = np.asarray(ref[0].float().cpu().numpy() if hasattr(ref[0], "float") else ref[0], dtype=np.float64)
    finally:
        g.close()
    store = RunStore.create(tmp_path / "run", {"config": {}})
    row = store.add_video({"model": "ltx-2", "suite": "physics", "probe_id": PROBE["id"], "sample": 0}, v,
                          preview=False)
    assert "wav" not in row["artifacts"]                      # no side file: the sound is in the video
    assert row["audio"]["codec"] == "flac" and row["audio"]["sample_rate"] == 16000
    assert row["audio"]["channels"] == 2 and row["audio"]["samples"] == ref.shape[1]
    back = read_video(tmp_path / "run" / row["path"]).audio     # decoded from the stored MKV
    assert back is not None and back.samples.shape == ref.T.shape
    # 16-bit rounding only: FLAC s16 stores round(x * 32768), error <= 0.5 / 32768, except +1.0,
    # which saturates at 32767 (error 1 / 32768)
    err = np.abs(back.samples - np.clip(ref.T, -1, 1))
    assert err.max() <= 1 / 32768 + 1e-7 and err[np.clip(ref.T, -1, 1) < 1].max() <= 0.5 / 32768 + 1e-7


# ----------------------------------------------------------------------------- HunyuanVideo 1.5


def test_hunyuanvideo15_card_loads_qwen2_vocab_merges_and_byt5(tmp_path):
    from tokenizers import Tokenizer

    from tests.reallayouts import build_tiny_hunyuanvideo15

    folder = build_tiny_hunyuanvideo15(tmp_path / "hv15")
    assert _files(folder / "tokenizer") == ["merges.txt", "tokenizer_config.json", "vocab.json"]   # qwen2-bpe
    assert "tokenizer.json" not in _files(folder / "tokenizer_2")                                 # byt5: bytes
    card = real_card_on("hunyuanvideo-1.5-480p", folder)
    g, v = _run(card, frames=9, height=16, width=16)
    try:
        p = v.provenance["params"]
        assert v.frames.shape == (9, 16, 16, 3) and p["pipeline"] == "HunyuanVideo15Pipeline"
        # guidance goes to the pipeline's guider (its __call__ takes no guidance_scale)
        assert "guidance_scale" not in p["call"] and g._pipe.guider.guidance_scale == card.defaults["guidance"]
        tok = g._pipe.tokenizer
        ref = Tokenizer.from_file(str(tmp_path / "hv15-qwen.reference.json")).encode(tokcheck.REFERENCE_TEXT).ids
        assert list(tok(tokcheck.REFERENCE_TEXT).input_ids) == ref   # vocab.json + merges.txt read as trained
        assert list(g._pipe.tokenizer_2("ab").input_ids) == [ord("a") + 3, ord("b") + 3, 1]   # ByT5: byte + 3, </s>
    finally:
        g.close()


# ----------------------------------------------------------------------------- Kandinsky 5


def test_kandinsky5_card_loads_a_qwen2vl_processor_and_clip_bpe(tmp_path):
    from tokenizers import Tokenizer

    from tests.reallayouts import build_tiny_kandinsky5

    folder = build_tiny_kandinsky5(tmp_path / "k5")
    assert {"vocab.json", "merges.txt", "tokenizer_config.json"} <= set(_files(folder / "tokenizer"))
    assert "tokenizer.json" not in _files(folder / "tokenizer")
    assert _files(folder / "tokenizer_2") == ["merges.txt", "special_tokens_map.json", "tokenizer_config.json",
                                              "vocab.json"]                                   # clip-bpe
    card = real_card_on("kandinsky-5-t2v-lite", folder)
    g, v = _run(card, frames=5, height=32, width=32)
    try:
        p = v.provenance["params"]
        assert v.frames.shape == (5, 32, 32, 3) and p["pipeline"] == "Kandinsky5T2VPipeline"
        assert p["call"]["guidance_scale"] == 5.0 and p["call"]["negative_prompt"] == card.defaults["negative_prompt"]
        assert type(g._pipe.tokenizer).__name__ == "Qwen2VLProcessor"
        ref = Tokenizer.from_file(str(tmp_path / "k5-qwen.reference.json")).encode(tokcheck.REFERENCE_TEXT).ids
        assert list(g._pipe.tokenizer.tokenizer(tokcheck.REFERENCE_TEXT).input_ids) == ref
        clip = g._pipe.tokenizer_2(tokcheck.REFERENCE_TEXT).input_ids
        assert clip[0] == g._pipe.tokenizer_2.bos_token_id and clip[-1] == g._pipe.tokenizer_2.eos_token_id
        assert g._pipe.tokenizer_2.unk_token_id not in clip[1:-1]   # every word found in the BPE vocabulary
    finally:
        g.close()


# ----------------------------------------------------------------------------- Cosmos Predict2 video2world


@pytest.fixture(scope="module")
def cosmos_folder(tmp_path_factory) -> Path:
    from tests.reallayouts import build_tiny_cosmos2_video2world

    return build_tiny_cosmos2_video2world(tmp_path_factory.mktemp("cosmos") / "cosmos")


def test_cosmos_card_without_the_guardrail_package_is_refused_by_name(cosmos_folder, monkeypatch):
    """The real state of this machine (and of CI): cosmos_guardrail is not installed; the adapter
    refuses before loading and names it, rather than the pipeline's ImportError mid-load."""
    monkeypatch.setattr(card_needs, "package_missing",
                        lambda m, real=card_needs.package_missing: m == "cosmos_guardrail" or real(m))
    card = real_card_on("cosmos-predict2-2b-video2world", cosmos_folder)
    ok, why = DiffusersGenerator(card).available()
    assert not ok and "cosmos_guardrail" in why
    with pytest.raises(UserError, match="needs the Python packages cosmos_guardrail"):
        _run(card, PROBE_SCENE, frames=5, height=32, width=32)


def test_cosmos_card_loads_and_consults_the_guardrail(cosmos_folder, monkeypatch):
    """Loading and generating through the real card with NVIDIA's safety checker replaced by a
    pass-through stand-in (the one thing not real here: cosmos_guardrail is a multi-GB model in a
    package that cannot be installed beside opencv-python-headless)."""
    import diffusers.pipelines.cosmos.pipeline_cosmos2_video2world as cosmos_mod

    import bench.generators.base as base
    from tests.reallayouts import PassThroughGuardrail

    assert _files(cosmos_folder / "tokenizer") == ["special_tokens_map.json", "tokenizer.json",
                                                   "tokenizer_config.json"]                  # t5-fast
    monkeypatch.setattr(cosmos_mod, "CosmosSafetyChecker", PassThroughGuardrail)
    monkeypatch.setattr(card_needs, "package_missing",
                        lambda m, real=card_needs.package_missing: m != "cosmos_guardrail" and real(m))
    real = base.resolve
    monkeypatch.setattr(base, "resolve", lambda n: StubOracle() if n == "oracle" else real(n))
    card = real_card_on("cosmos-predict2-2b-video2world", cosmos_folder)
    g, v = _run(card, PROBE_SCENE, frames=5, height=32, width=32)
    try:
        p = v.provenance["params"]
        assert v.frames.shape == (5, 32, 32, 3) and p["pipeline"] == "Cosmos2VideoToWorldPipeline"
        assert p["tokenizers"]["tokenizer"].startswith("ok") and p["call"]["fps"] == 16
        assert p["call"]["image"]["size"] == [32, 32] and p["call"]["guidance_scale"] == 7.0
        assert g._pipe.safety_checker.calls == ["text", "video"]
    finally:
        g.close()


# ----------------------------------------------------------------------------- CLIP BPE (SD-family cards)


def _clip_roundtrip(tok) -> None:
    """The CLIP tokenizer read vocab.json + merges.txt: whole words come out as merged ``</w>``
    pieces, nothing maps to the unknown token, and decoding gives the (lower-cased) text back."""
    ids = tok(tokcheck.REFERENCE_TEXT).input_ids
    pieces = tok.convert_ids_to_tokens(ids)
    assert pieces[0] == "<|startoftext|>" and pieces[-1] == "<|endoftext|>"
    assert "ball</w>" in pieces and "floor</w>" in pieces          # merges applied, not bytes
    assert tok.unk_token_id not in ids[1:-1]
    assert tok.decode(ids, skip_special_tokens=True).replace(" ,", ",").replace(" .", ".") == \
        tokcheck.REFERENCE_TEXT.lower()


@pytest.mark.parametrize("card_id", ["modelscope-t2v", "zeroscope-v2-576w"])
def test_text_to_video_sd_cards_load_a_clip_bpe_layout(card_id, tiny_dir, tmp_path):  # noqa: F811
    from bench.generators.diffusion.tiny import ensure_built
    from tests.reallayouts import with_clip_bpe

    folder = with_clip_bpe(ensure_built("t2vsd"), tmp_path / card_id)
    card = real_card_on(card_id, folder)
    if card.raw.get("variant"):   # ModelScope's repository holds the fp16 variant files the card loads
        for f in folder.glob("*/*.safetensors"):
            f.rename(f.with_name(f.name.replace(".safetensors", f".{card.raw['variant']}.safetensors")))
    assert _files(folder / "tokenizer") == ["merges.txt", "special_tokens_map.json", "tokenizer_config.json",
                                            "vocab.json"]
    g, v = _run(card, frames=4, height=16, width=16)
    try:
        assert v.frames.shape == (4, 16, 16, 3) and v.provenance["params"]["pipeline"] == "TextToVideoSDPipeline"
        assert type(g._pipe.tokenizer).__name__ == "CLIPTokenizer"
        assert v.provenance["params"]["call"]["guidance_scale"] == card.defaults["guidance"]
        _clip_roundtrip(g._pipe.tokenizer)
    finally:
        g.close()


def test_animatediff_card_loads_a_clip_bpe_base_and_its_motion_adapter(tmp_path, monkeypatch):
    import yaml

    from bench.generators.diffusion import cards as C
    from bench.generators.diffusion import register_weights
    from bench.generators.diffusion.adapter import ALLOW_CPU_ENV
    from bench.weights import registry as wreg
    from tests.reallayouts import with_clip_bpe
    from tests.tinypipes import build_sd15_base_and_adapter

    wdir = tmp_path / "weights"
    build_sd15_base_and_adapter(tmp_path / "sd15", wdir / "test-ad-clip.motion_adapter")
    with_clip_bpe(tmp_path / "sd15", wdir / "test-ad-clip")
    monkeypatch.setenv("BENCH_WEIGHTS_DIR", str(wdir))
    monkeypatch.setenv(ALLOW_CPU_ENV, "1")
    raw = yaml.safe_load((C.MODELS_DIR / "animatediff-v1-5-2.yaml").read_text())
    raw.update(id="test-ad-clip", weights="test-ad-clip")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "test-ad-clip.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    cs = C.load_cards(tmp_path / "models")
    added = register_weights(cs)
    try:
        g, v = _run(cs.cards["test-ad-clip"], frames=4, height=16, width=16)
        assert v.frames.shape == (4, 16, 16, 3) and type(g._pipe.unet).__name__ == "UNetMotionModel"
        assert type(g._pipe.tokenizer).__name__ == "CLIPTokenizer"
        _clip_roundtrip(g._pipe.tokenizer)
        g.close()
    finally:
        for n in added:
            wreg._unregister(n)


# ----------------------------------------------------------------------------- image-to-video, SkyReels-V2


@pytest.fixture
def oracle_stub(monkeypatch):
    import bench.generators.base as base

    real = base.resolve
    monkeypatch.setattr(base, "resolve", lambda n: StubOracle() if n == "oracle" else real(n))


@pytest.mark.parametrize("card_id", ["wan2.1-i2v-14b-480p", "wan2.2-i2v-a14b"])
def test_wan_i2v_cards_load_and_take_a_first_frame(card_id, tiny_dir, tmp_path, oracle_stub):  # noqa: F811
    from bench.generators.diffusion.tiny import ensure_built
    from tests.reallayouts import build_tiny_wan_i2v

    wan22 = card_id.startswith("wan2.2")
    folder = build_tiny_wan_i2v(ensure_built("wan"), tmp_path / card_id, wan22=wan22)
    card = real_card_on(card_id, folder)
    g, v = _run(card, PROBE_SCENE, frames=5, height=32, width=32, steps=2)
    try:
        p = v.provenance["params"]
        assert v.frames.shape == (5, 32, 32, 3) and p["pipeline"] == "WanImageToVideoPipeline"
        assert p["call"]["image"]["size"] == [32, 32] and p["tokenizers"]["tokenizer"].startswith("ok")
        assert p["scheduler"]["class"] == card.scheduler["class"]
        assert p["call"]["negative_prompt"] == card.defaults["negative_prompt"]
        if wan22:   # two experts, no CLIP image encoder
            assert g._pipe.transformer_2 is not None and g._pipe.image_encoder is None
            assert p["call"]["guidance_scale_2"] == card.call["guidance_scale_2"]
        else:
            assert type(g._pipe.image_encoder).__name__ == "CLIPVisionModel" and g._pipe.transformer_2 is None
    finally:
        g.close()


def test_cogvideox_i2v_card_loads_spiece_layout_and_takes_a_first_frame(tiny_dir, tmp_path, oracle_stub):  # noqa: F811
    from bench.generators.diffusion.tiny import ensure_built
    from tests.reallayouts import build_tiny_cogvideox_i2v, with_layout

    spiece = with_layout(ensure_built("cogvideox"), tmp_path / "cog-spiece", layout="t5-spiece")
    folder = build_tiny_cogvideox_i2v(spiece, tmp_path / "cogvideox-5b-i2v")
    card = real_card_on("cogvideox-5b-i2v", folder)
    g, v = _run(card, PROBE_SCENE, frames=9, height=32, width=32)
    try:
        p = v.provenance["params"]
        assert v.frames.shape == (9, 32, 32, 3) and p["pipeline"] == "CogVideoXImageToVideoPipeline"
        assert p["tokenizers"]["tokenizer"].startswith("ok") and p["call"]["use_dynamic_cfg"] is True
        assert p["scheduler"]["class"] == "CogVideoXDPMScheduler" and p["call"]["image"]["size"] == [32, 32]
    finally:
        g.close()


def test_skyreels_v2_card_loads_and_runs_its_settings(tiny_dir, tmp_path):  # noqa: F811
    """SkyReelsV2Pipeline calls ftfy on every prompt: a missing ftfy fails here, not on a GPU box."""
    from bench.generators.diffusion.tiny import ensure_built
    from tests.reallayouts import build_tiny_skyreels_v2

    card = real_card_on("skyreels-v2-t2v-14b-540p", build_tiny_skyreels_v2(ensure_built("wan"), tmp_path / "sky"))
    assert "ftfy" in card_needs.required_packages(card)
    g, v = _run(card, frames=5, height=32, width=32)
    try:
        p = v.provenance["params"]
        assert v.frames.shape == (5, 32, 32, 3) and p["pipeline"] == "SkyReelsV2Pipeline"
        assert p["scheduler"] == {"class": "UniPCMultistepScheduler", "flow_shift": 8.0}
        assert p["tokenizers"]["tokenizer"].startswith("ok") and p["guidance"] == card.defaults["guidance"]
    finally:
        g.close()


def test_wan22_ti2v_card_loads_the_wan22_vae_and_per_token_timesteps(tiny_dir, tmp_path):  # noqa: F811
    """Wan2.2-TI2V-5B: WanPipeline with expand_timesteps and the 16x-compressing Wan 2.2 VAE; the card's
    size multiple (32) and the pipeline's spatial factor agree."""
    from bench.generators.diffusion.tiny import ensure_built
    from tests.reallayouts import build_tiny_wan22_ti2v

    card = real_card_on("wan2.2-ti2v-5b", build_tiny_wan22_ti2v(ensure_built("wan"), tmp_path / "ti2v"))
    g, v = _run(card, frames=5, height=32, width=32, steps=2)
    try:
        p = v.provenance["params"]
        assert v.frames.shape == (5, 32, 32, 3) and p["pipeline"] == "WanPipeline"
        assert g._pipe.config.expand_timesteps is True and g._pipe.vae_scale_factor_spatial == 16
        assert card.size_multiple % g._pipe.vae_scale_factor_spatial == 0
        assert p["scheduler"]["class"] == card.scheduler["class"] and p["tokenizers"]["tokenizer"].startswith("ok")
    finally:
        g.close()
