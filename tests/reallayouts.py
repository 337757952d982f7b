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
- :func:`qwen2_bpe_dir`, :func:`clip_bpe_dir`: ``vocab.json`` + ``merges.txt`` folders (Qwen2 with a
  chat template; CLIP with ``</w>`` word ends), and builders of tiny LTX-2, HunyuanVideo 1.5,
  Kandinsky 5, Cosmos Predict2, Wan / CogVideoX image-to-video and SkyReels-V2 folders.

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
    from transformers import CLIPTokenizer, LlamaConfig, LlamaModel, PreTrainedTokenizerFast

    from bench.generators.diffusion.tiny import _clip_text

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
    tok2dir = clip_bpe_dir(dst.parent / f"{dst.name}-clip")     # tokenizer_2: CLIP BPE, as the repo ships it
    tok2 = CLIPTokenizer.from_pretrained(str(tok2dir))
    pipe = HunyuanVideoPipeline(text_encoder=te, tokenizer=tok, transformer=tr, vae=vae,
                                scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                                text_encoder_2=_clip_text(len(tok2), hidden=8), tokenizer_2=tok2)
    pipe.save_pretrained(str(dst))
    shutil.rmtree(dst / "tokenizer")
    shutil.copytree(tokdir, dst / "tokenizer")          # the files as the repository ships them
    idx = json.loads((dst / "model_index.json").read_text())
    idx["tokenizer"] = ["transformers", "LlamaTokenizerFast"]
    (dst / "model_index.json").write_text(json.dumps(idx, indent=2))
    _swap_tokenizer(dst, "tokenizer_2", tok2dir, ["transformers", "CLIPTokenizer"])
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


# ----------------------------------------------------------------------------- Qwen2 / ByT5 / CLIP BPE layouts

#: Qwen's special tokens (ChatML and the vision placeholders Qwen2-VL's processor looks up).
QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                 "<|image_pad|>", "<|video_pad|>"]
#: A ChatML template (system / user / assistant turns), written here; Qwen2.5 ships one like it.
CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
          "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
          "{% if c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def qwen2_bpe_dir(dst: Path, vocab_size: int = 400) -> Path:
    """A Qwen2 tokenizer folder as Qwen2.5-VL ships it *without* ``tokenizer.json``: byte-level BPE
    ``vocab.json`` + ``merges.txt`` (Qwen's split regex), the special tokens in
    ``tokenizer_config.json``'s ``added_tokens_decoder`` and a ChatML ``chat_template``; the class
    named is ``Qwen2Tokenizer`` (transformers 5 builds its fast tokenizer from the two files)."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.train_from_iterator(_corpus(), trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=QWEN_SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False))
    dst.mkdir(parents=True, exist_ok=True)
    tok.save(str(dst.parent / f"{dst.name}.reference.json"))  # the trained tokenizer, outside the layout
    tok.model.save(str(dst))                              # vocab.json + merges.txt (specials at ids 0..6)
    vocab = json.loads((dst / "vocab.json").read_text())
    added = {str(vocab[s]): {"content": s, "lstrip": False, "normalized": False, "rstrip": False,
                             "single_word": False, "special": True} for s in QWEN_SPECIALS}
    (dst / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "Qwen2Tokenizer", "added_tokens_decoder": added, "bos_token": None,
         "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "unk_token": None, "errors": "replace",
         "model_max_length": 131072, "padding_side": "right", "split_special_tokens": False,
         "chat_template": CHATML}))
    return dst


def clip_bpe_dir(dst: Path, vocab_size: int = 300) -> Path:
    """A CLIP tokenizer folder as the SD-family repos ship it: ``vocab.json`` + ``merges.txt`` of a
    byte-level BPE whose word-final pieces end in ``</w>`` (trained here with ``tokenizers``), plus
    ``tokenizer_config.json`` naming ``CLIPTokenizer`` and ``special_tokens_map.json``."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(end_of_word_suffix="</w>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()       # CLIP splits words without a space marker
    tok.train_from_iterator([s.lower() for s in _corpus()], trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<|startoftext|>", "<|endoftext|>"], end_of_word_suffix="</w>",
        show_progress=False))
    dst.mkdir(parents=True, exist_ok=True)
    tok.model.save(str(dst))
    vocab = json.loads((dst / "vocab.json").read_text())
    for ch in pre_tokenizers.ByteLevel.alphabet():        # every byte, alone and word-final, as CLIP's vocab has
        for piece in (ch, ch + "</w>"):
            vocab.setdefault(piece, len(vocab))
    (dst / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    specials = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
                "unk_token": "<|endoftext|>"}
    (dst / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "do_lower_case": True, **specials}))
    (dst / "special_tokens_map.json").write_text(json.dumps(specials))
    return dst


def _swap_tokenizer(folder: Path, comp: str, tokdir: Path, cls: list[str]) -> None:
    shutil.rmtree(folder / comp)
    shutil.copytree(tokdir, folder / comp)
    idx = json.loads((folder / "model_index.json").read_text())
    idx[comp] = cls
    (folder / "model_index.json").write_text(json.dumps(idx, indent=2))


def with_clip_bpe(src: Path, dst: Path, tokenizer: str = "tokenizer", text_encoder: str = "text_encoder") -> Path:
    """Copy a tiny SD-family pipeline folder with its word-level tokenizer replaced by a CLIP BPE
    ``vocab.json`` + ``merges.txt`` folder, the CLIP text encoder's embeddings resized to it."""
    from transformers import CLIPTextModel, CLIPTokenizer

    shutil.copytree(src, dst)
    tokdir = clip_bpe_dir(dst.parent / f"{dst.name}-clip")
    n = len(CLIPTokenizer.from_pretrained(str(tokdir)))
    te = CLIPTextModel.from_pretrained(str(dst / text_encoder))
    te.resize_token_embeddings(n)
    te.config.bos_token_id, te.config.eos_token_id, te.config.pad_token_id = 0, 1, 1
    te.save_pretrained(str(dst / text_encoder))
    _swap_tokenizer(dst, tokenizer, tokdir, ["transformers", "CLIPTokenizer"])
    return dst


def build_tiny_hunyuanvideo15(dst: Path) -> Path:
    """A tiny ``HunyuanVideo15Pipeline`` in the real layout: ``tokenizer/`` a Qwen2 vocab.json +
    merges.txt folder with a chat template (Qwen2.5-VL), ``tokenizer_2/`` a ByT5 folder (no vocabulary
    file: ByT5 reads bytes), ``guider/`` a ClassifierFreeGuidance config."""
    import torch
    from diffusers import (AutoencoderKLHunyuanVideo15, FlowMatchEulerDiscreteScheduler, HunyuanVideo15Pipeline,
                           HunyuanVideo15Transformer3DModel)
    from diffusers.guiders import ClassifierFreeGuidance
    from transformers import ByT5Tokenizer, Qwen2_5_VLTextConfig, Qwen2_5_VLTextModel, Qwen2Tokenizer

    from bench.generators.diffusion.tiny import _t5

    tokdir = qwen2_bpe_dir(dst.parent / f"{dst.name}-qwen")
    tok = Qwen2Tokenizer.from_pretrained(str(tokdir))
    tok2 = ByT5Tokenizer()
    torch.manual_seed(0)
    te = Qwen2_5_VLTextModel(Qwen2_5_VLTextConfig(
        vocab_size=len(tok), hidden_size=16, intermediate_size=16, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=2, rope_scaling={"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"},
        rope_theta=1e6)).eval()
    te2 = _t5(len(tok2), d_model=16)
    tr = HunyuanVideo15Transformer3DModel(
        in_channels=9, out_channels=4, num_attention_heads=2, attention_head_dim=8, num_layers=1,
        num_refiner_layers=1, mlp_ratio=2.0, patch_size=1, patch_size_t=1, text_embed_dim=16, text_embed_2_dim=16,
        image_embed_dim=12, rope_axes_dim=(2, 2, 4), target_size=16, task_type="t2v")
    vae = AutoencoderKLHunyuanVideo15(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(16, 16),
                                      layers_per_block=1, spatial_compression_ratio=4, temporal_compression_ratio=2,
                                      downsample_match_channel=False, upsample_match_channel=False)
    pipe = HunyuanVideo15Pipeline(text_encoder=te, tokenizer=tok, transformer=tr.eval(), vae=vae.eval(),
                                  scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0), text_encoder_2=te2,
                                  tokenizer_2=tok2, guider=ClassifierFreeGuidance(guidance_scale=1.0))
    pipe.save_pretrained(str(dst))
    _swap_tokenizer(dst, "tokenizer", tokdir, ["transformers", "Qwen2Tokenizer"])
    return dst


def build_tiny_kandinsky5(dst: Path) -> Path:
    """A tiny ``Kandinsky5T2VPipeline`` in the real layout: ``tokenizer/`` a ``Qwen2VLProcessor``
    folder (Qwen2 vocab.json + merges.txt, image/video processor configs, chat template),
    ``tokenizer_2/`` a CLIP BPE vocab.json + merges.txt folder; HunyuanVideo's VAE."""
    import torch
    from diffusers import (AutoencoderKLHunyuanVideo, FlowMatchEulerDiscreteScheduler, Kandinsky5T2VPipeline,
                           Kandinsky5Transformer3DModel)
    from transformers import (CLIPTextConfig, CLIPTextModel, CLIPTokenizer, Qwen2_5_VLConfig,
                              Qwen2_5_VLForConditionalGeneration, Qwen2Tokenizer, Qwen2VLImageProcessor,
                              Qwen2VLProcessor)
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    qdir = qwen2_bpe_dir(dst.parent / f"{dst.name}-qwen")
    qtok = Qwen2Tokenizer.from_pretrained(str(qdir))
    proc = Qwen2VLProcessor(image_processor=Qwen2VLImageProcessor(), tokenizer=qtok,
                            video_processor=Qwen2VLVideoProcessor(), chat_template=CHATML)
    cdir = clip_bpe_dir(dst.parent / f"{dst.name}-clip")
    ctok = CLIPTokenizer.from_pretrained(str(cdir))
    ids = {s: qtok.convert_tokens_to_ids(s) for s in QWEN_SPECIALS}
    torch.manual_seed(0)
    te = Qwen2_5_VLForConditionalGeneration(Qwen2_5_VLConfig(
        text_config={"vocab_size": len(qtok), "hidden_size": 16, "intermediate_size": 16, "num_hidden_layers": 2,
                     "num_attention_heads": 2, "num_key_value_heads": 2, "rope_theta": 1e6,
                     "rope_scaling": {"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"}},
        vision_config={"depth": 1, "hidden_size": 16, "intermediate_size": 16, "num_heads": 2, "out_hidden_size": 16},
        vocab_size=len(qtok), vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"])).eval()
    te2 = CLIPTextModel(CLIPTextConfig(vocab_size=len(ctok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                       num_attention_heads=2, bos_token_id=0, eos_token_id=1, pad_token_id=1,
                                       projection_dim=16)).eval()
    vae = AutoencoderKLHunyuanVideo(in_channels=3, out_channels=3, spatial_compression_ratio=8,
                                    temporal_compression_ratio=4, latent_channels=4, block_out_channels=(8, 8, 8, 8),
                                    layers_per_block=1, norm_num_groups=4)
    tr = Kandinsky5Transformer3DModel(in_visual_dim=4, in_text_dim=16, in_text_dim2=16, time_dim=32, out_visual_dim=4,
                                      patch_size=(1, 2, 2), model_dim=48, ff_dim=64, num_text_blocks=1,
                                      num_visual_blocks=1, axes_dims=(8, 8, 8), visual_cond=False)
    pipe = Kandinsky5T2VPipeline(transformer=tr.eval(), vae=vae.eval(), text_encoder=te, tokenizer=proc,
                                 text_encoder_2=te2, tokenizer_2=ctok,
                                 scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0))
    pipe.save_pretrained(str(dst))
    for f in ("vocab.json", "merges.txt", "tokenizer_config.json"):   # the files as trained, not re-serialised
        shutil.copy2(qdir / f, dst / "tokenizer" / f)
    (dst / "tokenizer" / "tokenizer.json").unlink()      # read from vocab.json + merges.txt, the card's kind
    _swap_tokenizer(dst, "tokenizer_2", cdir, ["transformers", "CLIPTokenizer"])
    return dst


class PassThroughGuardrail:
    """Stands in for NVIDIA's ``cosmos_guardrail.CosmosSafetyChecker`` (a multi-GB model in a package
    not installable beside opencv-python-headless): passes every prompt and video through unchanged,
    and counts its calls so a test sees the pipeline consulted it."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.calls: list[str] = []

    def to(self, *args: Any, **kwargs: Any) -> "PassThroughGuardrail":
        return self

    def check_text_safety(self, prompt: str) -> bool:
        self.calls.append("text")
        return True

    def check_video_safety(self, video: Any) -> Any:
        self.calls.append("video")
        return video


def build_tiny_cosmos2_video2world(dst: Path) -> Path:
    """A tiny ``Cosmos2VideoToWorldPipeline`` in the real layout: a T5 ``tokenizer.json`` folder
    (``T5TokenizerFast``), Wan VAE; ``model_index.json`` without ``safety_checker`` (the pipeline
    builds ``cosmos_guardrail``'s checker itself at load)."""
    import torch
    from diffusers import AutoencoderKLWan, Cosmos2VideoToWorldPipeline, CosmosTransformer3DModel
    from diffusers import FlowMatchEulerDiscreteScheduler
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import T5TokenizerFast

    from bench.generators.diffusion.tiny import _t5

    tokdir = dst.parent / f"{dst.name}-t5"
    tokdir.mkdir(parents=True, exist_ok=True)
    tk = Tokenizer(models.Unigram())                      # T5's fast layout: Unigram + Metaspace in tokenizer.json
    tk.normalizer = normalizers.Sequence([normalizers.Replace("  ", " ")])
    tk.pre_tokenizer = pre_tokenizers.Metaspace()
    tk.train_from_iterator(_corpus(), trainers.UnigramTrainer(vocab_size=120, special_tokens=["<pad>", "</s>", "<unk>"],
                                                              unk_token="<unk>", show_progress=False))
    tk.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    tk.save(str(tokdir / "tokenizer.json"))
    specials = {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
    (tokdir / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "T5Tokenizer", "model_max_length": 512, "extra_ids": 0, **specials}))
    (tokdir / "special_tokens_map.json").write_text(json.dumps(specials))
    tok = T5TokenizerFast.from_pretrained(str(tokdir))
    torch.manual_seed(0)
    te = _t5(len(tok), d_model=16)
    tr = CosmosTransformer3DModel(in_channels=4 + 1, out_channels=4, num_attention_heads=2, attention_head_dim=16,
                                  num_layers=1, mlp_ratio=2, text_embed_dim=16, adaln_lora_dim=4, max_size=(4, 16, 16),
                                  patch_size=(1, 2, 2), rope_scale=(2.0, 1.0, 1.0), concat_padding_mask=True,
                                  extra_pos_embed_type="learnable")
    vae = AutoencoderKLWan(base_dim=4, z_dim=4, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True], latents_mean=[0.0] * 4, latents_std=[1.0] * 4)
    pipe = Cosmos2VideoToWorldPipeline(text_encoder=te, tokenizer=tok, transformer=tr, vae=vae,
                                       scheduler=FlowMatchEulerDiscreteScheduler(use_karras_sigmas=True),
                                       safety_checker=PassThroughGuardrail())
    pipe.register_to_config(safety_checker=(None, None))
    pipe.save_pretrained(str(dst))
    idx = json.loads((dst / "model_index.json").read_text())
    idx.pop("safety_checker", None)
    (dst / "model_index.json").write_text(json.dumps(idx, indent=2))
    _swap_tokenizer(dst, "tokenizer", tokdir, ["transformers", "T5TokenizerFast"])
    return dst


def build_tiny_ltx2(dst: Path) -> Path:
    """A tiny ``LTX2Pipeline`` (video + audio) in the real layout: a Gemma-3 text encoder with a
    Gemma-style ``tokenizer.json`` folder, the text connectors, video VAE, audio VAE and vocoder
    (2 channels, 16 kHz)."""
    import torch
    from diffusers import (AutoencoderKLLTX2Audio, AutoencoderKLLTX2Video, FlowMatchEulerDiscreteScheduler,
                           LTX2Pipeline, LTX2VideoTransformer3DModel)
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, GemmaTokenizerFast

    tokdir = gemma_dir(dst.parent / f"{dst.name}-gemma")
    tok = GemmaTokenizerFast.from_pretrained(str(tokdir))
    hidden, layers = 16, 1
    torch.manual_seed(0)
    te = Gemma3ForConditionalGeneration(Gemma3Config(
        text_config={"vocab_size": len(tok), "hidden_size": hidden, "intermediate_size": 32,
                     "num_hidden_layers": layers,
                     "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8, "pad_token_id": 0,
                     "sliding_window": 8},
        vision_config={"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                       "image_size": 28, "patch_size": 14},
        mm_tokens_per_image=4, image_token_index=len(tok) - 1, boi_token_index=2, eoi_token_index=1)).eval()
    tr = LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2, attention_head_dim=8,
        cross_attention_dim=16, audio_in_channels=4, audio_out_channels=4, audio_num_attention_heads=2,
        audio_attention_head_dim=4, audio_cross_attention_dim=8, num_layers=1, qk_norm="rms_norm_across_heads",
        caption_channels=hidden, rope_double_precision=False, rope_type="split")
    conn = LTX2TextConnectors(
        caption_channels=hidden, text_proj_in_factor=layers + 1, video_connector_num_attention_heads=2,
        video_connector_attention_head_dim=8, video_connector_num_layers=1,
        video_connector_num_learnable_registers=None,
        audio_connector_num_attention_heads=2, audio_connector_attention_head_dim=8, audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None, connector_rope_base_seq_len=32, rope_theta=10000.0,
        rope_double_precision=False, causal_temporal_positioning=False, rope_type="split")
    vae = AutoencoderKLLTX2Video(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8,), decoder_block_out_channels=(8,),
        layers_per_block=(1,), decoder_layers_per_block=(1, 1), spatio_temporal_scaling=(True,),
        decoder_spatio_temporal_scaling=(True,), decoder_inject_noise=(False, False), downsample_type=("spatial",),
        upsample_residual=(False,), upsample_factor=(1,), timestep_conditioning=False, patch_size=1, patch_size_t=1,
        encoder_causal=True, decoder_causal=False)
    avae = AutoencoderKLLTX2Audio(
        base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1, attn_resolutions=None, in_channels=2,
        resolution=32, latent_channels=2, norm_type="pixel", causality_axis="height", dropout=0.0,
        mid_block_add_attention=False, sample_rate=16000, mel_hop_length=160, is_causal=True, mel_bins=8)
    voc = LTX2Vocoder(in_channels=2 * 8, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[4, 4],
                      upsample_factors=[2, 2], resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]],
                      leaky_relu_negative_slope=0.1, output_sampling_rate=16000)
    LTX2Pipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, audio_vae=avae, text_encoder=te, tokenizer=tok,
                 connectors=conn, transformer=tr, vocoder=voc).save_pretrained(str(dst))
    shutil.rmtree(dst / "tokenizer")
    shutil.copytree(tokdir, dst / "tokenizer")
    return dst


# ----------------------------------------------------------------------------- image-to-video and SkyReels-V2


def _replace_transformer(folder: Path, comp: str, model: Any) -> None:
    shutil.rmtree(folder / comp, ignore_errors=True)
    model.save_pretrained(str(folder / comp))


def build_tiny_wan_i2v(src: Path, dst: Path, *, wan22: bool = False) -> Path:
    """A tiny ``WanImageToVideoPipeline`` folder from the tiny Wan text-to-video one (same UMT5
    ``tokenizer.json`` folder, text encoder and VAE): a transformer taking latents + mask + first-frame
    latents (4 + 4 + 4 channels).  Wan2.1-I2V: a CLIP vision ``image_encoder`` and ``image_processor``
    (the transformer's image cross-attention); Wan2.2-I2V-A14B: none of those, two experts
    (``transformer_2``) and ``boundary_ratio``, as the real repositories' ``model_index.json`` have them."""
    import torch
    from diffusers import WanTransformer3DModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    shutil.copytree(src, dst)
    (dst / "bench_tiny.json").unlink(missing_ok=True)
    idx = json.loads((dst / "model_index.json").read_text())
    idx["_class_name"] = "WanImageToVideoPipeline"
    torch.manual_seed(0)
    common = dict(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=8, in_channels=12, out_channels=4,
                  text_dim=16, freq_dim=32, ffn_dim=16, num_layers=1, cross_attn_norm=True,
                  qk_norm="rms_norm_across_heads", rope_max_seq_len=32)
    if wan22:
        _replace_transformer(dst, "transformer", WanTransformer3DModel(**common))
        _replace_transformer(dst, "transformer_2", WanTransformer3DModel(**common))
        idx.update(transformer_2=["diffusers", "WanTransformer3DModel"], boundary_ratio=0.9, expand_timesteps=False,
                   image_encoder=[None, None], image_processor=[None, None])
    else:
        _replace_transformer(dst, "transformer", WanTransformer3DModel(**common, image_dim=16, added_kv_proj_dim=16))
        CLIPVisionModel(CLIPVisionConfig(
            hidden_size=16, num_hidden_layers=2, num_attention_heads=2, image_size=32,
            intermediate_size=16, patch_size=8)).eval().save_pretrained(str(dst / "image_encoder"))
        CLIPImageProcessor(crop_size=32, size=32).save_pretrained(str(dst / "image_processor"))
        idx.update(image_encoder=["transformers", "CLIPVisionModel"],
                   image_processor=["transformers", "CLIPImageProcessor"])
    (dst / "model_index.json").write_text(json.dumps(idx, indent=2))
    return dst


def build_tiny_cogvideox_i2v(src: Path, dst: Path) -> Path:
    """A tiny ``CogVideoXImageToVideoPipeline`` folder from the tiny CogVideoX one in the spiece
    layout: the transformer takes noise + first-frame latents (2 x 4 channels)."""
    import torch
    from diffusers import CogVideoXTransformer3DModel

    shutil.copytree(src, dst)
    cfg = json.loads((dst / "transformer" / "config.json").read_text())
    keep = {k: v for k, v in cfg.items() if not k.startswith("_")}
    keep["in_channels"] = 2 * cfg["out_channels"]
    torch.manual_seed(0)
    _replace_transformer(dst, "transformer", CogVideoXTransformer3DModel(**keep))
    idx = json.loads((dst / "model_index.json").read_text())
    idx["_class_name"] = "CogVideoXImageToVideoPipeline"
    (dst / "model_index.json").write_text(json.dumps(idx, indent=2))
    return dst


def build_tiny_skyreels_v2(src: Path, dst: Path) -> Path:
    """A tiny ``SkyReelsV2Pipeline`` folder from the tiny Wan one (SkyReels-V2 reuses Wan's UMT5
    tokenizer folder, text encoder and VAE) with a ``SkyReelsV2Transformer3DModel``."""
    import torch
    from diffusers import SkyReelsV2Transformer3DModel, UniPCMultistepScheduler

    shutil.copytree(src, dst)
    (dst / "bench_tiny.json").unlink(missing_ok=True)
    torch.manual_seed(0)
    _replace_transformer(dst, "transformer", SkyReelsV2Transformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=4,
        text_dim=16, freq_dim=32, ffn_dim=16, num_layers=1, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32))
    shutil.rmtree(dst / "scheduler")
    UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=8.0).save_pretrained(
        str(dst / "scheduler"))
    idx = json.loads((dst / "model_index.json").read_text())
    idx.update(_class_name="SkyReelsV2Pipeline", transformer=["diffusers", "SkyReelsV2Transformer3DModel"],
               scheduler=["diffusers", "UniPCMultistepScheduler"])
    for wan_only in ("transformer_2", "boundary_ratio", "expand_timesteps"):   # WanPipeline's, not SkyReels'
        idx.pop(wan_only, None)
    (dst / "model_index.json").write_text(json.dumps(idx, indent=2))
    return dst


def build_tiny_wan22_ti2v(src: Path, dst: Path) -> Path:
    """A tiny Wan2.2-TI2V-5B folder from the tiny Wan one: ``WanPipeline`` with ``expand_timesteps``
    (per-token timesteps) and the Wan 2.2 VAE (residual, 2x2 patchified: 16x spatial compression),
    as the real repository's ``model_index.json`` and ``vae/config.json`` have them."""
    import torch
    from diffusers import AutoencoderKLWan

    shutil.copytree(src, dst)
    (dst / "bench_tiny.json").unlink(missing_ok=True)
    torch.manual_seed(0)
    _replace_transformer(dst, "vae", AutoencoderKLWan(
        base_dim=4, decoder_base_dim=4, z_dim=4, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
        temperal_downsample=[False, True, True], latents_mean=[0.0] * 4, latents_std=[1.0] * 4, is_residual=True,
        in_channels=12, out_channels=12, patch_size=2, scale_factor_temporal=4, scale_factor_spatial=16))
    idx = json.loads((dst / "model_index.json").read_text())
    idx["expand_timesteps"] = True
    (dst / "model_index.json").write_text(json.dumps(idx, indent=2))
    return dst
