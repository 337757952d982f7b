"""Test fixtures that reproduce the real hub repositories' tokenizer layouts, offline.

- :func:`t5_spiece_dir`: a tokenizer folder holding only a locally trained tiny SentencePiece
  ``spiece.model`` plus the small JSON files, as CogVideoX, LTX-Video, Mochi and Allegro ship it
  (no ``tokenizer.json``): transformers 5 can read it only with ``sentencepiece`` and ``protobuf``.
- :func:`llama3_dir`: a byte-level BPE ``tokenizer.json`` (Llama-3 split regex + ByteLevel) whose
  ``tokenizer_config.json`` names ``LlamaTokenizerFast``, as HunyuanVideo's llava-llama-3 tokenizer
  ships; the pipeline's ``model_index.json`` names ``LlamaTokenizerFast`` too.
- :func:`with_layout`: a copy of a tiny pipeline folder with its tokenizer replaced by one of these.
- :func:`real_card_on`: a real card from ``models/`` pointed at such a folder (random weights), so
  the real card's scheduler swap, call arguments, needs and tokenizer handling all run.
- :func:`build_tiny_hunyuanvideo`: a tiny ``HunyuanVideoPipeline`` in the real layout.

Everything is deterministic (fixed seeds) and takes a few seconds on a CPU.
"""

from __future__ import annotations

import dataclasses
import io
import json
import random
import shutil
from pathlib import Path
from typing import Any

#: Llama 3's pre-tokenizer split pattern (tokenizer.json of the Llama 3 family).
LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def _corpus(n: int = 400) -> list[str]:
    from bench.generators.diffusion.tiny import _WORDS

    rng = random.Random(0)
    return [" ".join(rng.choice(_WORDS) for _ in range(8)).capitalize() + ", 2 m." for _ in range(n)]


def t5_spiece_dir(dst: Path, vocab_size: int = 120) -> Path:
    """A T5 tokenizer folder with only ``spiece.model`` (trained here; pad 0, eos 1, unk 2, as T5)."""
    import sentencepiece as spm

    dst.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(_corpus()), model_writer=buf, vocab_size=vocab_size,
                                   model_type="unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
                                   character_coverage=1.0, hard_vocab_limit=False, minloglevel=2,
                                   num_threads=1, seed_sentencepiece_size=10000)
    (dst / "spiece.model").write_bytes(buf.getvalue())
    specials = {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
    (dst / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "T5Tokenizer", "model_max_length": 226, "extra_ids": 0, **specials}))
    (dst / "special_tokens_map.json").write_text(json.dumps(specials))
    (dst / "added_tokens.json").write_text("{}")
    return dst


def llama3_dir(dst: Path, vocab_size: int = 400) -> Path:
    """A Llama-3-style byte-level BPE tokenizer folder whose config names ``LlamaTokenizerFast``."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(_corpus(), trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<|begin_of_text|>", "<|end_of_text|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    tok.post_processor = processors.TemplateProcessing(
        single="<|begin_of_text|> $A", special_tokens=[("<|begin_of_text|>", 0)])
    dst.mkdir(parents=True, exist_ok=True)
    tok.save(str(dst / "tokenizer.json"))
    specials = {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>", "pad_token": "<|end_of_text|>"}
    (dst / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "LlamaTokenizerFast", "model_max_length": 1024, "padding_side": "right", **specials}))
    (dst / "special_tokens_map.json").write_text(json.dumps(specials))
    return dst


def with_layout(src: Path, dst: Path, tokenizer: str = "tokenizer", layout: str = "t5-spiece") -> Path:
    """Copy the pipeline folder ``src`` to ``dst`` with ``tokenizer/`` in the real repo's layout."""
    shutil.copytree(src, dst)
    shutil.rmtree(dst / tokenizer)
    if layout == "t5-spiece":
        t5_spiece_dir(dst / tokenizer)
        cls = ["transformers", "T5Tokenizer"]
    elif layout == "llama3":
        llama3_dir(dst / tokenizer)
        cls = ["transformers", "LlamaTokenizerFast"]
    else:
        raise ValueError(layout)
    idx = json.loads((dst / "model_index.json").read_text())
    idx[tokenizer] = cls
    (dst / "model_index.json").write_text(json.dumps(idx, indent=2))
    return dst


def real_card_on(card_id: str, folder: Path) -> Any:
    """The card ``models/<card_id>.yaml`` pointed at a local folder of random weights."""
    from bench.generators.diffusion import cards

    card = cards.load_cards().get(card_id)
    assert card is not None, card_id
    return dataclasses.replace(card, local_path=folder, random_weights=True)


def build_tiny_hunyuanvideo(dst: Path) -> Path:
    """A tiny ``HunyuanVideoPipeline`` saved in the real repository's layout (model_index.json and
    tokenizer_config.json naming ``LlamaTokenizerFast`` over a byte-level BPE tokenizer.json)."""
    import torch
    from diffusers import (AutoencoderKLHunyuanVideo, FlowMatchEulerDiscreteScheduler, HunyuanVideoPipeline,
                           HunyuanVideoTransformer3DModel)
    from transformers import LlamaConfig, LlamaModel, PreTrainedTokenizerFast

    from bench.generators.diffusion.tiny import _clip_text, build_tokenizer

    tokdir = llama3_dir(dst.parent / f"{dst.name}-llama-tok")
    tok = PreTrainedTokenizerFast.from_pretrained(str(tokdir))
    torch.manual_seed(0)
    tr = HunyuanVideoTransformer3DModel(
        in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=10, num_layers=1,
        num_single_layers=1, num_refiner_layers=1, patch_size=1, patch_size_t=1, guidance_embeds=True,
        text_embed_dim=16, pooled_projection_dim=8, rope_axes_dim=(2, 4, 4))
    vae = AutoencoderKLHunyuanVideo(
        in_channels=3, out_channels=3, latent_channels=4, down_block_types=("HunyuanVideoDownBlock3D",) * 4,
        up_block_types=("HunyuanVideoUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8), layers_per_block=1,
        norm_num_groups=4, spatial_compression_ratio=8, temporal_compression_ratio=4)
    te = LlamaModel(LlamaConfig(bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=16, intermediate_size=32,
                                num_attention_heads=4, num_key_value_heads=2, num_hidden_layers=2,
                                vocab_size=len(tok))).eval()
    tok2 = build_tokenizer("clip", 77)
    pipe = HunyuanVideoPipeline(text_encoder=te, tokenizer=tok, transformer=tr, vae=vae,
                                scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                                text_encoder_2=_clip_text(len(tok2), hidden=8), tokenizer_2=tok2)
    pipe.save_pretrained(str(dst))
    shutil.rmtree(dst / "tokenizer")
    shutil.copytree(tokdir, dst / "tokenizer")          # the files as the repository ships them
    idx = json.loads((dst / "model_index.json").read_text())
    idx["tokenizer"] = ["transformers", "LlamaTokenizerFast"]
    (dst / "model_index.json").write_text(json.dumps(idx, indent=2))
    return dst


def build_tiny_t5_pipeline(kind: str, dst: Path) -> Path:
    """A tiny ``AllegroPipeline`` or ``MochiPipeline`` whose tokenizer folder holds only a trained
    ``spiece.model`` (as rhymes-ai/Allegro and genmo/mochi-1-preview ship it).

    Allegro's VAE is built with ``sample_size=144``: decode tiles of 24x144x144 px, stride 16x24x64,
    i.e. latent kernel (6, 18, 18), stride (4, 3, 8): 21 frames of 144x144 decode in full."""
    import torch
    from transformers import T5Tokenizer

    from bench.generators.diffusion.tiny import _t5

    tokdir = t5_spiece_dir(dst.parent / f"{dst.name}-spiece")
    tok = T5Tokenizer.from_pretrained(str(tokdir))
    torch.manual_seed(0)
    te = _t5(len(tok))
    if kind == "allegro":
        from diffusers import AllegroPipeline, AllegroTransformer3DModel, AutoencoderKLAllegro
        from diffusers import EulerAncestralDiscreteScheduler

        tr = AllegroTransformer3DModel(num_attention_heads=2, attention_head_dim=12, in_channels=4, out_channels=4,
                                       num_layers=1, cross_attention_dim=24, caption_channels=16, sample_height=18,
                                       sample_width=18, sample_frames=6)
        vae = AutoencoderKLAllegro(block_out_channels=(8, 8, 8, 8), layers_per_block=1, norm_num_groups=4,
                                   latent_channels=4, sample_size=144)
        pipe = AllegroPipeline(tokenizer=tok, text_encoder=te, vae=vae, transformer=tr,
                               scheduler=EulerAncestralDiscreteScheduler())
    elif kind == "mochi":
        from diffusers import AutoencoderKLMochi, FlowMatchEulerDiscreteScheduler, MochiPipeline, MochiTransformer3DModel

        tr = MochiTransformer3DModel(patch_size=2, num_attention_heads=2, attention_head_dim=8, num_layers=1,
                                     pooled_projection_dim=16, in_channels=12, text_embed_dim=16, time_embed_dim=4,
                                     max_sequence_length=16)
        vae = AutoencoderKLMochi(latent_channels=12, out_channels=3, encoder_block_out_channels=(32, 32, 32, 32),
                                 decoder_block_out_channels=(32, 32, 32, 32), layers_per_block=(1, 1, 1, 1, 1))
        pipe = MochiPipeline(tokenizer=tok, text_encoder=te, vae=vae, transformer=tr,
                             scheduler=FlowMatchEulerDiscreteScheduler())
    else:
        raise ValueError(kind)
    # the Mochi card loads variant="bf16" files (the repository holds fp32 and bf16 shards)
    pipe.save_pretrained(str(dst), **({"variant": "bf16"} if kind == "mochi" else {}))
    shutil.rmtree(dst / "tokenizer")
    shutil.copytree(tokdir, dst / "tokenizer")
    return dst


def gemma_dir(dst: Path, vocab_size: int = 300) -> Path:
    """A Gemma-style tokenizer folder (BPE with byte fallback, spaces normalised to '▁', '<bos>'
    prepended; ``tokenizer_config.json`` naming ``GemmaTokenizer``), as SANA-Video's Gemma-2 ships it."""
    from tokenizers import Tokenizer, decoders, models, normalizers, processors, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Replace(" ", "▁")
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    tok.train_from_iterator(["▁" + s.replace(" ", "▁") for s in _corpus()], trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<pad>", "<eos>", "<bos>", "<unk>"], show_progress=False))
    tok.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", 2)])
    dst.mkdir(parents=True, exist_ok=True)
    tok.save(str(dst / "tokenizer.json"))
    (dst / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "GemmaTokenizer", "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>",
         "unk_token": "<unk>", "model_max_length": 1024, "padding_side": "right"}))
    return dst


def build_tiny_sana_video(dst: Path) -> Path:
    """A tiny ``SanaVideoPipeline`` (Gemma-2 text encoder, Wan VAE) with a Gemma-style tokenizer folder."""
    import torch
    from diffusers import AutoencoderKLWan, DPMSolverMultistepScheduler, SanaVideoPipeline, SanaVideoTransformer3DModel
    from transformers import Gemma2Config, Gemma2Model, GemmaTokenizerFast

    tokdir = gemma_dir(dst.parent / f"{dst.name}-gemma")
    tok = GemmaTokenizerFast.from_pretrained(str(tokdir))
    torch.manual_seed(0)
    te = Gemma2Model(Gemma2Config(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                  num_attention_heads=2, num_key_value_heads=1, head_dim=8, pad_token_id=0)).eval()
    tr = SanaVideoTransformer3DModel(in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=8,
                                     num_layers=1, num_cross_attention_heads=2, cross_attention_head_dim=8,
                                     cross_attention_dim=16, caption_channels=16, sample_size=30,
                                     patch_size=(1, 2, 2), rope_max_seq_len=32)
    vae = AutoencoderKLWan(base_dim=4, z_dim=4, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True], latents_mean=[0.0] * 4, latents_std=[1.0] * 4)
    sched = DPMSolverMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=8.0)
    SanaVideoPipeline(tokenizer=tok, text_encoder=te, vae=vae, transformer=tr, scheduler=sched).save_pretrained(str(dst))
    shutil.rmtree(dst / "tokenizer")
    shutil.copytree(tokdir, dst / "tokenizer")
    return dst
