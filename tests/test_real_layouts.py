"""Real cards, loaded through the real adapter from folders in the real repositories' layouts.

Each test takes a card from ``models/`` (its scheduler swap, call arguments, needs and tokenizer
kinds), points it at a tiny random-weight folder whose tokenizer is laid out as the hub repository
ships it (:mod:`tests.reallayouts`), and generates 1-2 steps on the CPU.  A missing package or a
tokenizer that changed under a model fails here, offline.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from bench.errors import UserError
from bench.generators.diffusion import needs as card_needs
from bench.generators.diffusion import tokcheck
from bench.generators.diffusion.adapter import DiffusersGenerator
from bench.generators.diffusion.tiny import ensure_built
from tests.reallayouts import build_tiny_hunyuanvideo, llama3_dir, real_card_on, t5_spiece_dir, with_layout
from tests.tinypipes import PROBE, tiny_dir  # noqa: F401

TINY = {"height": 32, "width": 32, "steps": 1}


def _generate(card, **settings):
    g = DiffusersGenerator(card)
    try:
        return g.generate(PROBE, 3, {**TINY, **settings})
    finally:
        g.close()


# ----------------------------------------------------------------------------- T5 spiece.model layouts


@pytest.mark.parametrize("card_id, kind, frames", [
    ("cogvideox-2b", "cogvideox", 9),        # CogVideoXPipeline, its DDIM scheduler
    ("cogvideox-5b", "cogvideox", 9),        # CogVideoXPipeline, card's DPM scheduler + dynamic CFG
    ("ltx-video", "ltx", 9),                 # LTXPipeline, card's negative prompt
])
def test_spiece_only_tokenizer_loads_through_the_real_card(card_id, kind, frames, tiny_dir, tmp_path):  # noqa: F811
    folder = with_layout(ensure_built(kind), tmp_path / card_id, layout="t5-spiece")
    assert sorted(p.name for p in (folder / "tokenizer").iterdir()) == [
        "added_tokens.json", "special_tokens_map.json", "spiece.model", "tokenizer_config.json"]
    card = real_card_on(card_id, folder)
    v = _generate(card, frames=frames)
    assert v.frames.shape == (frames, 32, 32, 3) and v.frames.dtype == np.uint8
    p = v.provenance["params"]
    assert p["tokenizers"]["tokenizer"].startswith("ok"), p["tokenizers"]
    assert v.provenance["random_weights"] is True
    if card.scheduler:
        assert p["scheduler"]["class"] == card.scheduler["class"]
    for k, val in card.call.items():
        assert p["call"][k] == val
    if card.defaults.get("negative_prompt"):
        assert p["call"]["negative_prompt"] == card.defaults["negative_prompt"]


def test_wan_card_runs_with_its_recommended_settings(tiny_dir):  # noqa: F811
    card = real_card_on("wan2.1-t2v-1.3b", ensure_built("wan"))
    v = _generate(card, frames=5)
    p = v.provenance["params"]
    assert p["scheduler"] == {"class": "UniPCMultistepScheduler", "flow_shift": 8.0}
    assert p["guidance"] == 6.0 and p["call"]["negative_prompt"].startswith("Bright tones, overexposed")
    assert p["tokenizers"]["tokenizer"].startswith("ok")


SUBPROCESS = textwrap.dedent("""
    import sys
    sys.modules[{mod!r}] = None
    from transformers import T5Tokenizer
    try:
        T5Tokenizer.from_pretrained({folder!r})
    except Exception as e:
        print("FAILED", type(e).__name__)
    else:
        print("LOADED")
""")


@pytest.mark.parametrize("mod", ["sentencepiece", "google.protobuf"])
def test_spiece_only_folder_cannot_load_without_its_package(mod, tmp_path):
    """The real failure a GPU user met: without sentencepiece (or protobuf) transformers 5 cannot
    read a spiece.model-only folder.  Both are in the gpu and dev extras and in every card's needs."""
    folder = t5_spiece_dir(tmp_path / "tok")
    code = SUBPROCESS.format(mod=mod, folder=str(folder))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert "FAILED" in out.stdout, (out.stdout, out.stderr[-500:])
    for cid in ("cogvideox-5b", "ltx-video", "mochi-1", "allegro"):
        assert mod in card_needs.required_packages(real_card_on(cid, folder))


def test_a_missing_package_is_named_before_loading(monkeypatch, tmp_path):
    card = real_card_on("cogvideox-5b", tmp_path)
    real = card_needs.package_missing
    monkeypatch.setattr(card_needs, "package_missing", lambda m: m == "sentencepiece" or real(m))
    found = card_needs.preflight(card, folder=tmp_path)
    miss = [f for f in found if f.status == "missing"]
    assert any("sentencepiece" in f.what and "pip install sentencepiece" in f.fix for f in miss)
    assert any("repository files" in f.what for f in miss)   # the empty folder holds none of them
    ok, why = DiffusersGenerator(card).available()
    assert not ok and "sentencepiece" in why
    with pytest.raises(UserError, match="needs the Python packages sentencepiece"):
        _generate(card, frames=9)


# ----------------------------------------------------------------------------- HunyuanVideo's Llama tokenizer


@pytest.fixture(scope="module")
def hunyuan_folder(tmp_path_factory) -> Path:
    return build_tiny_hunyuanvideo(tmp_path_factory.mktemp("hv") / "hunyuanvideo")


def test_llama3_reference_ids_and_the_transformers5_rebuild(tmp_path):
    """The reference: the ``tokenizers`` library reading the same tokenizer.json.  What the card's
    loading gives must equal it; the class the pipeline names (LlamaTokenizerFast) is checked."""
    from tokenizers import Tokenizer
    from transformers import LlamaTokenizerFast

    d = llama3_dir(tmp_path / "tokenizer")
    ref = Tokenizer.from_file(str(d / "tokenizer.json")).encode(tokcheck.REFERENCE_TEXT).ids
    assert ref == tokcheck.reference_ids(d)
    rebuilt = LlamaTokenizerFast.from_pretrained(str(d))(tokcheck.REFERENCE_TEXT).input_ids

    class Pipe:
        components = {"tokenizer": LlamaTokenizerFast.from_pretrained(str(d))}

    if list(rebuilt) != ref:  # transformers 5.x: Metaspace instead of the file's byte-level split
        with pytest.raises(UserError, match="refusing"):
            tokcheck.check_tokenizers(Pipe, tmp_path, "model hunyuanvideo")
    # what the adapter loads for a card whose needs say llama3-bytelevel-bpe
    fixed = tokcheck.tokenizer_overrides(real_card_on("hunyuanvideo", tmp_path), tmp_path)
    assert list(fixed["tokenizer"](tokcheck.REFERENCE_TEXT).input_ids) == ref


def test_hunyuanvideo_card_loads_its_tokenizer_as_the_file_defines_it(hunyuan_folder, tiny_dir):  # noqa: F811
    card = real_card_on("hunyuanvideo", hunyuan_folder)
    v = _generate(card, height=16, width=16, frames=5)
    assert v.frames.shape == (5, 16, 16, 3)
    p = v.provenance["params"]
    assert p["tokenizers"]["tokenizer"].startswith("ok") and p["components"]["tokenizer"]["why"]
    assert sorted(x.name for x in (hunyuan_folder / "tokenizer_2").iterdir()) == [
        "merges.txt", "special_tokens_map.json", "tokenizer_config.json", "vocab.json"]   # CLIP BPE, as shipped


def test_hunyuanvideo_without_the_fix_is_refused_not_silently_changed(hunyuan_folder, monkeypatch):
    from transformers import LlamaTokenizerFast

    d = hunyuan_folder / "tokenizer"
    if list(LlamaTokenizerFast.from_pretrained(str(d))(tokcheck.REFERENCE_TEXT).input_ids) == tokcheck.reference_ids(d):
        pytest.skip("this transformers reads the byte-level tokenizer.json as written: nothing to refuse")
    card = real_card_on("hunyuanvideo", hunyuan_folder)
    monkeypatch.setattr(tokcheck, "tokenizer_overrides", lambda c, f: {})
    with pytest.raises(UserError, match="tokenizer .*refusing"):
        _generate(card, height=16, width=16, frames=5)


# ----------------------------------------------------------------------------- Allegro's decode tiles


def test_allegro_tile_rule_matches_the_real_vae():
    """The rule (latent kernel/stride, pipeline's latent frame count) against AutoencoderKLAllegro's
    own tiled_decode on a tiny VAE: uncovered output is exactly zero, covered output is not."""
    import torch
    from diffusers import AutoencoderKLAllegro

    torch.manual_seed(0)
    vae = AutoencoderKLAllegro(block_out_channels=(8, 8, 8, 8), layers_per_block=1, norm_num_groups=4,
                               latent_channels=4, sample_size=136).eval()
    vae.enable_tiling()
    # smaller tiles than the real 24x320x320 px (stride 16x200x240) to keep this fast; tiled_decode
    # and the rule read the same two attributes
    vae.kernel, vae.stride = (24, 32, 32), (16, 16, 24)
    rule = card_needs.DecodeTiles.from_vae(vae)
    assert rule == card_needs.DecodeTiles((6, 4, 4), (4, 2, 3), 4, 8)
    for frames, h, w in ((29, 32, 32), (21, 48, 56), (21, 40, 32), (13, 32, 32)):
        z = torch.randn(1, 4, rule.latent_frames(frames), h // 8, w // 8)
        with torch.no_grad():
            out = vae.decode(z).sample[0, :frames, :, :h, :w]  # tiled_decode: B x T x C x H x W
        blank = (out == 0).all(dim=1).float().mean().item()     # pixels left at exactly zero
        assert blank == pytest.approx(1.0 - rule.covered_fraction(frames, h, w), abs=1e-6), (frames, h, w)
    assert not rule.frames_ok(29) and rule.frames_ok(21) and not rule.size_ok(40, 1) and rule.size_ok(56, 2)
    assert rule.covered_fraction(13, 32, 32) == 0.0  # fewer latent frames than one tile: all blank


def test_allegro_card_rounds_or_refuses_undecodable_sizes():
    from bench.generators.diffusion.adapter import resolve_settings

    card = real_card_on("allegro", Path("."))
    r = resolve_settings(card, {"frames": 49, "height": 480, "width": 832}, cuda=True)
    assert (r.frames, r.height, r.width) == (51, 520, 800)
    assert any("decodable" in a for a in r.adjustments)
    assert r.requested == {"frames": 49, "height": 480, "width": 832}
    t = card.decode_tiles
    assert t.covered_fraction(49, 480, 832) < 0.7 and t.covered_fraction(51, 520, 800) == 1.0
    assert t.covered_fraction(49, 256, 256) == 0.0
    with pytest.raises(UserError, match="cannot be decoded in full"):
        resolve_settings(card, {"frames": 49, "frame_policy": "error"}, cuda=True)
    r = resolve_settings(card, {}, cuda=True)
    assert (r.frames, r.height, r.width) == (88, 720, 1280) and not r.adjustments


def test_compile_is_refused_with_cpu_offload():
    from bench.generators.diffusion.adapter import resolve_settings

    card = real_card_on("wan2.1-t2v-1.3b", Path("."))
    with pytest.raises(UserError, match="compile with cpu_offload model is not supported"):
        resolve_settings(card, {"compile": True}, cuda=True)
    r = resolve_settings(card, {"compile": True, "cpu_offload": "none"}, cuda=True)
    assert r.compile and r.cpu_offload == "none"


# ----------------------------------------------------------------------------- the newest models


def test_wan22_a14b_card_runs_its_two_experts(tiny_dir, tmp_path):  # noqa: F811
    """Wan2.2-T2V-A14B: WanPipeline with a second (low-noise) transformer and boundary_ratio, as the
    real repository's model_index.json has it; the card's guidance_scale_2 and shift 12 are passed."""
    import json
    import shutil

    folder = tmp_path / "wan22"
    shutil.copytree(ensure_built("wan"), folder)
    shutil.copytree(folder / "transformer", folder / "transformer_2")
    idx = json.loads((folder / "model_index.json").read_text())
    idx.update(transformer_2=idx["transformer"], boundary_ratio=0.875)
    (folder / "model_index.json").write_text(json.dumps(idx))
    v = _generate(real_card_on("wan2.2-t2v-a14b", folder), frames=5, steps=2)
    p = v.provenance["params"]
    assert v.frames.shape == (5, 32, 32, 3)
    assert p["call"]["guidance_scale_2"] == 3.0 and p["scheduler"]["flow_shift"] == 12.0


def test_native_audio_is_returned_as_an_audio_value():
    """LTX-2 returns ``audio`` (batch, channels, samples) with the frames: the adapter keeps it as a
    ``bench.audio.track.Audio`` (samples, channels), equal to the model's samples (float32)."""
    from types import SimpleNamespace

    import torch

    from bench.audio.track import Audio

    t = torch.linspace(0, 1, 2400)
    audio = torch.stack([torch.sin(2 * torch.pi * 440 * t), 0.5 * torch.cos(2 * torch.pi * 220 * t)])[None]
    pipe = SimpleNamespace(vocoder=SimpleNamespace(config=SimpleNamespace(output_sampling_rate=24000)))
    meta, a = card_needs.native_audio(SimpleNamespace(audio=audio, frames=None), pipe)
    assert meta["sample_rate"] == 24000 and meta["channels"] == 2 and meta["samples"] == 2400
    assert meta["seconds"] == pytest.approx(0.1) and meta["clipped"] == 0
    assert isinstance(a, Audio) and a.sample_rate == 24000 and a.samples.shape == (2400, 2)
    np.testing.assert_array_equal(a.samples, audio[0].numpy().T)
    _, loud = card_needs.native_audio(SimpleNamespace(audio=audio * 3), pipe)
    assert np.abs(loud.samples).max() == 1.0
    assert card_needs.native_audio(SimpleNamespace(frames=None), pipe) is None
    with pytest.raises(UserError, match="NaN"):
        card_needs.native_audio(SimpleNamespace(audio=audio * float("nan")), pipe)


# ----------------------------------------------------------------------------- Allegro and Mochi (T5 spiece)


@pytest.fixture(scope="module")
def allegro_folder(tmp_path_factory) -> Path:
    from tests.reallayouts import build_tiny_t5_pipeline

    return build_tiny_t5_pipeline("allegro", tmp_path_factory.mktemp("allegro") / "allegro")


def _tiny_allegro_card(folder: Path, tiles=card_needs.DecodeTiles((6, 18, 18), (4, 3, 8))):
    import dataclasses

    # the tiny VAE's tiles (sample_size 144) instead of the real 320 px ones; the tiny text encoder
    # takes 16 tokens, not the card's 512
    return dataclasses.replace(real_card_on("allegro", folder), decode_tiles=tiles, call={"max_sequence_length": 16})


def test_allegro_card_loads_spiece_layout_and_decodes_in_full(allegro_folder):
    v = _generate(_tiny_allegro_card(allegro_folder), frames=21, height=144, width=144)
    assert v.frames.shape == (21, 144, 144, 3)
    p = v.provenance["params"]
    assert p["tokenizers"]["tokenizer"].startswith("ok") and p["negative_prompt"].startswith("nsfw, lowres")


def test_allegro_guard_refuses_blank_output_when_a_card_lacks_the_rule(allegro_folder):
    with pytest.raises(UserError, match="cover only 95%"):
        _generate(_tiny_allegro_card(allegro_folder, tiles=None), frames=21, height=152, width=144)


def test_mochi_card_loads_spiece_layout_and_bf16_variant(tmp_path):
    from tests.reallayouts import build_tiny_t5_pipeline

    folder = build_tiny_t5_pipeline("mochi", tmp_path / "mochi")
    assert any(p.name.endswith(".bf16.safetensors") for p in (folder / "transformer").iterdir())
    v = _generate(real_card_on("mochi-1", folder), frames=7, height=16, width=16, steps=2)
    assert v.frames.shape == (7, 16, 16, 3)
    assert v.provenance["params"]["tokenizers"]["tokenizer"].startswith("ok")


def test_sana_video_card_loads_a_gemma_layout(tmp_path):
    """SANA-Video: Gemma-2 tokenizer folder read by transformers 5's GemmaTokenizer must give the ids
    the tokenizers library gives from the same tokenizer.json (checked at load), then 2 steps."""
    import dataclasses

    from tests.reallayouts import build_tiny_sana_video

    folder = build_tiny_sana_video(tmp_path / "sana")
    # resolution binning snaps sizes to the 480p bins (hundreds of px): off for a 32 px test
    card = dataclasses.replace(real_card_on("sana-video-2b-480p", folder), call={"use_resolution_binning": False})
    v = _generate(card, frames=5, steps=2)
    assert v.frames.shape == (5, 32, 32, 3)
    p = v.provenance["params"]
    assert p["tokenizers"]["tokenizer"].startswith("ok") and p["argument_map"]["frames"] == "frames"


def test_ltx_i2v_card_loads_spiece_layout_and_takes_a_first_frame(tiny_dir, tmp_path, monkeypatch):  # noqa: F811
    """LTXImageToVideoPipeline through the ltx-video-i2v card (same repository as ltx-video)."""
    import bench.generators.base as base
    from tests.tinypipes import PROBE_SCENE, StubOracle

    real = base.resolve
    monkeypatch.setattr(base, "resolve", lambda n: StubOracle() if n == "oracle" else real(n))
    folder = with_layout(ensure_built("ltx"), tmp_path / "ltx", layout="t5-spiece")
    g = DiffusersGenerator(real_card_on("ltx-video-i2v", folder))
    v = g.generate(PROBE_SCENE, 1, {**TINY, "frames": 9})
    g.close()
    p = v.provenance["params"]
    assert v.frames.shape == (9, 32, 32, 3) and p["pipeline"] == "LTXImageToVideoPipeline"
    assert p["call"]["image"]["size"] == [32, 32] and p["tokenizers"]["tokenizer"].startswith("ok")
