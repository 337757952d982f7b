"""Tiny pipelines: randomly initialised, locally built pipelines of the real diffusers classes.

They exist so the real loading and calling code (``from_pretrained`` from a folder, the
argument mapping, seeding, output normalisation, the store) can be exercised offline on a CPU
in seconds.  Their videos are noise-like: every one is marked ``random_weights: true`` in its
provenance and manifest row, and no score from them is a model's score.

Names (registered as generator families by the package ``__init__``; each resolves to a
:class:`TinyGenerator`): ``tiny-wan``, ``tiny-cogvideox``, ``tiny-ltx``,
``tiny-ltx-i2v`` (the tiny-ltx folder loaded as ``LTXImageToVideoPipeline``; first frame from the
oracle world), ``tiny-animatediff``, ``tiny-t2vsd``.

How a tiny pipeline is made.  Components are built from small configs with a fixed torch seed
(so the same weights come out on every machine with the same torch), the tokenizer is built
offline with the ``tokenizers`` library (a word-level vocabulary plus a template
post-processor, wrapped in ``PreTrainedTokenizerFast``; CLIP-style ``model_max_length`` 77,
T5-style ``</s>`` endings), text encoders are put in ``eval()`` mode, and the pipeline is
``save_pretrained`` into ``$BENCH_TINY_DIR/<name>-<fingerprint>/`` (default
``results/cache/tiny/``), built in a temp folder and renamed so concurrent ranks never see half a
folder.  A generated card pointing at that folder then drives the very adapter real cards use.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from bench.generators.base import GeneratorInfo
from bench.generators.diffusion.adapter import DiffusersGenerator
from bench.generators.diffusion.cards import FrameRule, ModelCard

#: Bump when a builder changes, so cached folders are rebuilt.
BUILD_VERSION = 1

#: A small fixed vocabulary: the words the suites use most, plus letters and digits so any
#: word maps to *something* deterministic (unknown words map to ``[UNK]``).
_WORDS = (
    "a an the of on in into onto to from with and or at by behind under over above below "
    "left right up down back front across through then after before while falls falling drops "
    "rolls rolling slides sliding bounces bouncing moves moving passes passing stops rests "
    "floor wall table ground ramp cup box ball disc ring triangle cube block screen occluder "
    "red green blue yellow orange purple pink cyan white black grey gray brown "
    "small large big tiny one two three four five gravity zero camera static video scene plain "
    "background object objects reappears disappears hidden behind person face cat dog water"
).split()
_CHARS = list("abcdefghijklmnopqrstuvwxyz0123456789")


def _vocab(specials: list[str]) -> dict[str, int]:
    words = specials + [w for w in dict.fromkeys(_WORDS + _CHARS) if w not in specials]
    return {w: i for i, w in enumerate(words)}


def build_tokenizer(style: str, model_max_length: int) -> Any:
    """An offline tokenizer: ``style`` 't5' (``</s>`` appended, pad id 0) or 'clip'
    (``<|startoftext|> … <|endoftext|>``, padded with ``<|endoftext|>``)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    if style == "t5":
        specials = ["<pad>", "</s>", "<unk>"]
        vocab = _vocab(specials)
        tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
        tok.post_processor = processors.TemplateProcessing(
            single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", vocab["</s>"])])
        kw = {"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"}
    elif style == "clip":
        specials = ["<|startoftext|>", "<|endoftext|>", "<unk>"]
        vocab = _vocab(specials)
        tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
        tok.post_processor = processors.TemplateProcessing(
            single="<|startoftext|> $A <|endoftext|>",
            special_tokens=[("<|startoftext|>", vocab["<|startoftext|>"]),
                            ("<|endoftext|>", vocab["<|endoftext|>"])])
        kw = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
              "pad_token": "<|endoftext|>", "unk_token": "<unk>"}
    else:
        raise ValueError(f"unknown tokenizer style {style!r}")
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace()])
    return PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=model_max_length,
                                   padding_side="right", **kw)


def _t5(vocab_size: int, d_model: int = 16, umt5: bool = False) -> Any:
    """A one-layer T5 (or UMT5, Wan's class) text encoder."""
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    cfg_cls, model_cls = (UMT5Config, UMT5EncoderModel) if umt5 else (T5Config, T5EncoderModel)
    cfg = cfg_cls(vocab_size=vocab_size, d_model=d_model, d_kv=4, d_ff=32, num_layers=1,
                  num_heads=2, relative_attention_num_buckets=8, dropout_rate=0.0,
                  pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    return model_cls(cfg).eval()


def _clip_text(vocab_size: int, hidden: int = 16, max_pos: int = 77) -> Any:
    from transformers import CLIPTextConfig, CLIPTextModel

    cfg = CLIPTextConfig(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=32,
                         num_hidden_layers=1, num_attention_heads=2, max_position_embeddings=max_pos,
                         bos_token_id=0, eos_token_id=1, pad_token_id=1, projection_dim=hidden)
    return CLIPTextModel(cfg).eval()


# --------------------------------------------------------------------------- builders
# Each returns (pipeline, card fields).  Frames of 16-32 px (latents of 2-8 px), 4-9 frames.


def _build_wan() -> tuple[Any, dict[str, Any]]:
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanPipeline, WanTransformer3DModel

    tok = build_tokenizer("t5", 32)
    te = _t5(len(tok), umt5=True)
    vae = AutoencoderKLWan(base_dim=4, z_dim=4, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True],
                           latents_mean=[0.0] * 4, latents_std=[1.0] * 4)
    tr = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=8,
                               in_channels=4, out_channels=4, text_dim=16, freq_dim=32, ffn_dim=16,
                               num_layers=1, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                               rope_max_seq_len=32)
    pipe = WanPipeline(tokenizer=tok, text_encoder=te, vae=vae, transformer=tr,
                       scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0))
    return pipe, {"pipeline": "WanPipeline", "frame_rule": "4k+1", "size_multiple": 16,
                  "defaults": {"height": 32, "width": 32, "frames": 5, "fps": 8, "steps": 2, "guidance": 2.0},
                  "call": {"max_sequence_length": 32}}


def _build_cogvideox() -> tuple[Any, dict[str, Any]]:
    from diffusers import AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXPipeline, CogVideoXTransformer3DModel

    tok = build_tokenizer("t5", 16)
    te = _t5(len(tok))
    tr = CogVideoXTransformer3DModel(num_attention_heads=2, attention_head_dim=8, in_channels=4,
                                     out_channels=4, time_embed_dim=4, text_embed_dim=16, num_layers=1,
                                     sample_width=4, sample_height=4, sample_frames=9, patch_size=2,
                                     temporal_compression_ratio=4, max_text_seq_length=16)
    vae = AutoencoderKLCogVideoX(in_channels=3, out_channels=3,
                                 down_block_types=("CogVideoXDownBlock3D",) * 4,
                                 up_block_types=("CogVideoXUpBlock3D",) * 4,
                                 block_out_channels=(8, 8, 8, 8), latent_channels=4, layers_per_block=1,
                                 norm_num_groups=2, temporal_compression_ratio=4)
    pipe = CogVideoXPipeline(tokenizer=tok, text_encoder=te, vae=vae, transformer=tr,
                             scheduler=CogVideoXDDIMScheduler())
    # max_sequence_length is left to the adapter: it reads transformer.config.max_text_seq_length
    # CogVideoX's VAE needs an odd number of latent frames: 8k+1 frames, as for the real model
    return pipe, {"pipeline": "CogVideoXPipeline", "frame_rule": "8k+1", "size_multiple": 16,
                  "defaults": {"height": 32, "width": 32, "frames": 9, "fps": 8, "steps": 2, "guidance": 2.0}}


def _build_ltx() -> tuple[Any, dict[str, Any]]:
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXPipeline, LTXVideoTransformer3DModel

    tok = build_tokenizer("t5", 16)
    te = _t5(len(tok))
    tr = LTXVideoTransformer3DModel(in_channels=4, out_channels=4, patch_size=1, patch_size_t=1,
                                    num_attention_heads=2, attention_head_dim=8, cross_attention_dim=16,
                                    num_layers=1, caption_channels=16)
    vae = AutoencoderKLLTXVideo(in_channels=3, out_channels=3, latent_channels=4,
                                block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                                layers_per_block=(1, 1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1, 1),
                                spatio_temporal_scaling=(True, True, False, False),
                                decoder_spatio_temporal_scaling=(True, True, False, False),
                                decoder_inject_noise=(False,) * 5, upsample_residual=(False,) * 4,
                                upsample_factor=(1,) * 4, timestep_conditioning=False, patch_size=1,
                                patch_size_t=1, encoder_causal=True, decoder_causal=False)
    pipe = LTXPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, text_encoder=te,
                       tokenizer=tok, transformer=tr)
    # this VAE compresses time by 4 (the real one by 8: 8k+1); LTX wants sizes divisible by 32
    return pipe, {"pipeline": "LTXPipeline", "frame_rule": "4k+1", "size_multiple": 32,
                  "defaults": {"height": 32, "width": 32, "frames": 5, "fps": 8, "steps": 2, "guidance": 2.0},
                  "call": {"max_sequence_length": 16}}


def tiny_sd_vae() -> Any:
    """The tiny Stable-Diffusion-shaped image VAE the SD-based tiny pipelines share."""
    from diffusers import AutoencoderKL

    return AutoencoderKL(block_out_channels=[8, 16], in_channels=3, out_channels=3,
                         down_block_types=["DownEncoderBlock2D"] * 2,
                         up_block_types=["UpDecoderBlock2D"] * 2, latent_channels=4, norm_num_groups=2)


def tiny_sd_unet() -> Any:
    """The tiny SD-1.5-shaped 2-D UNet (AnimateDiff inflates it with its motion adapter)."""
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(block_out_channels=(8, 16), layers_per_block=1, sample_size=8, in_channels=4,
                                out_channels=4, down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=16,
                                norm_num_groups=2, attention_head_dim=4)


def _build_animatediff() -> tuple[Any, dict[str, Any]]:
    from diffusers import AnimateDiffPipeline, DDIMScheduler, MotionAdapter

    tok = build_tokenizer("clip", 77)
    te = _clip_text(len(tok))
    unet = tiny_sd_unet()
    vae = tiny_sd_vae()
    motion = MotionAdapter(block_out_channels=(8, 16), motion_layers_per_block=1, motion_norm_num_groups=2,
                           motion_num_attention_heads=2, motion_max_seq_length=32)
    sched = DDIMScheduler(beta_schedule="linear", clip_sample=False, timestep_spacing="linspace", steps_offset=1)
    pipe = AnimateDiffPipeline(vae=vae, text_encoder=te, tokenizer=tok, unet=unet, motion_adapter=motion,
                               scheduler=sched, feature_extractor=None, image_encoder=None)
    return pipe, {"pipeline": "AnimateDiffPipeline", "frame_rule": "any", "max_frames": 32, "size_multiple": 8,
                  "defaults": {"height": 16, "width": 16, "frames": 4, "fps": 8, "steps": 2, "guidance": 2.0}}


def _build_t2vsd() -> tuple[Any, dict[str, Any]]:
    from diffusers import DDIMScheduler, TextToVideoSDPipeline, UNet3DConditionModel

    tok = build_tokenizer("clip", 77)
    te = _clip_text(len(tok))
    unet = UNet3DConditionModel(block_out_channels=(8, 16), layers_per_block=1, sample_size=8, in_channels=4,
                                out_channels=4, down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"),
                                up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"), cross_attention_dim=16,
                                attention_head_dim=4, norm_num_groups=2)
    vae = tiny_sd_vae()
    sched = DDIMScheduler(beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False)
    pipe = TextToVideoSDPipeline(vae=vae, text_encoder=te, tokenizer=tok, unet=unet, scheduler=sched)
    return pipe, {"pipeline": "TextToVideoSDPipeline", "frame_rule": "any", "size_multiple": 8,
                  "deprecated": "TextToVideoSDPipeline lives in diffusers.pipelines.deprecated "
                                "(no longer maintained)",
                  "defaults": {"height": 16, "width": 16, "frames": 4, "fps": 8, "steps": 2, "guidance": 2.0}}


#: folder name -> builder.  ``tiny-ltx-i2v`` reuses the ``ltx`` folder (the I2V class takes the
#: same components).
BUILDERS: dict[str, Callable[[], tuple[Any, dict[str, Any]]]] = {
    "wan": _build_wan,
    "cogvideox": _build_cogvideox,
    "ltx": _build_ltx,
    "animatediff": _build_animatediff,
    "t2vsd": _build_t2vsd,
}

#: generator name -> (folder, pipeline class override or None, input)
TINY_MODELS: dict[str, tuple[str, str | None, str]] = {
    "tiny-wan": ("wan", None, "text"),
    "tiny-cogvideox": ("cogvideox", None, "text"),
    "tiny-ltx": ("ltx", None, "text"),
    "tiny-ltx-i2v": ("ltx", "LTXImageToVideoPipeline", "image+text"),
    "tiny-animatediff": ("animatediff", None, "text"),
    "tiny-t2vsd": ("t2vsd", None, "text"),
}


def tiny_root() -> Path:
    env = os.environ.get("BENCH_TINY_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "results" / "cache" / "tiny"


def fingerprint() -> str:
    """Changes when the builders or the libraries that define the classes change."""
    from importlib import metadata

    parts = [str(BUILD_VERSION)]
    for p in ("diffusers", "transformers", "torch", "tokenizers"):
        try:
            parts.append(f"{p}={metadata.version(p)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{p}=none")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def build(kind: str, out: Path) -> Path:
    """Build the tiny ``kind`` pipeline with seeded random weights and save it into ``out``."""
    import torch

    if kind not in BUILDERS:
        raise ValueError(f"unknown tiny pipeline {kind!r} (known: {', '.join(BUILDERS)})")
    with _fork_rng(), torch.no_grad():
        torch.manual_seed(0)
        pipe, fields = BUILDERS[kind]()
    out.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(str(out))
    (out / "bench_tiny.json").write_text(json.dumps({"kind": kind, "build_version": BUILD_VERSION,
                                                      "fingerprint": fingerprint(), "card": fields,
                                                      "random_weights": True}, indent=2, sort_keys=True))
    return out


@contextlib.contextmanager
def _fork_rng():
    import torch

    state = torch.random.get_rng_state()
    try:
        yield
    finally:
        torch.random.set_rng_state(state)


def ensure_built(kind: str, root: Path | None = None) -> Path:
    """The folder of the tiny ``kind`` pipeline, building it (atomically) if absent."""
    root = Path(root) if root is not None else tiny_root()
    final = root / f"{kind}-{fingerprint()}"
    if (final / "bench_tiny.json").exists():
        return final
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{kind}-", dir=root))
    try:
        build(kind, tmp)
        try:
            os.replace(tmp, final)
        except OSError:
            if not (final / "bench_tiny.json").exists():  # not a lost race: a real failure
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def tiny_card(name: str, folder: Path) -> ModelCard:
    """The generated card of a tiny model: the same fields a real card has, pointing at ``folder``."""
    kind, cls_override, inp = TINY_MODELS[name]
    meta = json.loads((folder / "bench_tiny.json").read_text())
    f = meta["card"]
    pipeline = cls_override or f["pipeline"]
    raw = {
        "id": name, "kind": "tiny", "name": f"{name} (random weights)", "developer": "bench (built locally)",
        "access": "local", "input": inp, "hub_id": "", "revision": f"tiny-{meta['fingerprint']}",
        "pipeline": pipeline, "dtype": "float32", "defaults": f["defaults"], "frame_rule": f["frame_rule"],
        "size_multiple": f["size_multiple"], "licence": "n/a (random weights)", "params": "tiny",
        "random_weights": True, "local_path": str(folder),
        "notes": "Randomly initialised pipeline of the real class, for tests and smoke runs. "
                 "Its videos are not a model's output and its scores are not a model's scores.",
    }
    return ModelCard(
        id=name, kind="tiny", name=raw["name"], access="local", raw=raw, path=None, hub_id="",
        revision=raw["revision"], revision_pinned=True, pipeline=pipeline, input=inp,
        dtype={"default": "float32"}, defaults=dict(f["defaults"]),
        frame_rule=FrameRule.parse(f["frame_rule"], f.get("max_frames")), size_multiple=f["size_multiple"],
        memory={"cpu_offload": "none"}, call=dict(f.get("call", {})), licence=raw["licence"],
        params="tiny", vram_gb=None, deprecated=f.get("deprecated", ""), local_path=folder,
        random_weights=True)


class TinyGenerator(DiffusersGenerator):
    """A tiny random pipeline of a real class, behind the same adapter as real cards.

    Cheap to construct (``bench models`` lists it without importing torch); the folder is built
    on first use and then loaded like any card's.
    """

    def __init__(self, name: str):
        kind, cls_override, _inp = TINY_MODELS[name]
        self.name = name
        self._card_ready = False
        self.info = GeneratorInfo(name=name, kind="tiny", access="local",
                                  description=f"tiny random {cls_override or kind} pipeline [random weights]",
                                  revision=f"tiny-build{BUILD_VERSION}", size="tiny",
                                  licence="n/a (random weights)", card={"random_weights": True})
        self._pipe = None
        self._pipe_key = None
        self._loaded = {}

    def _ensure(self) -> None:
        if not self._card_ready:
            folder = ensure_built(TINY_MODELS[self.name][0])
            DiffusersGenerator.__init__(self, tiny_card(self.name, folder))
            self._card_ready = True

    def available(self) -> tuple[bool, str]:
        import importlib.util

        for mod in ("torch", "diffusers", "transformers", "tokenizers"):
            if importlib.util.find_spec(mod) is None:
                return False, f"needs the {mod} package (pip install {mod})"
        return True, ""

    def supports(self, probe: dict[str, Any]) -> tuple[bool, str]:
        if TINY_MODELS[self.name][2] != "image+text":
            return True, ""
        self._ensure()
        return DiffusersGenerator.supports(self, probe)

    def default_settings(self) -> dict[str, Any]:
        self._ensure()
        return DiffusersGenerator.default_settings(self)

    def generate(self, probe: dict[str, Any], seed: int, settings: dict[str, Any]) -> Any:
        self._ensure()
        return DiffusersGenerator.generate(self, probe, seed, settings)
