"""Tiny models built offline in temp folders, loaded by tests through the real loading code.

Random weights: these check plumbing, shapes, determinism and agreement with a reference
computation on the same weights.  They never stand in for a published number.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CLIP_WORDS = "a red ball falls down blue cube the on of in and green sphere rolls table behind wall".split()


def build_tiny_clip(folder: str | os.PathLike, seed: int = 0, flip_text: bool = False) -> Path:
    """A tiny ``CLIPModel`` + ``CLIPProcessor`` (WordLevel tokenizer with a CLIP-style template,
    ``model_max_length`` 77; 32-px image processor) saved with ``save_pretrained``.

    ``flip_text`` negates the text projection: with this seed the random model's frame–prompt
    cosines are all negative (≈ −0.38), flipped they are positive, so a CLIPScore comparison is
    not decided by the clamp at 0."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, PreTrainedTokenizerFast

    folder = Path(folder)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1, "<unk>": 2}
    for w in CLIP_WORDS:
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="<|startoftext|> $A <|endoftext|>", special_tokens=[("<|startoftext|>", 0), ("<|endoftext|>", 1)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|startoftext|>", eos_token="<|endoftext|>",
                                   unk_token="<unk>", pad_token="<|endoftext|>", model_max_length=77)
    cfg = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=77, bos_token_id=0, eos_token_id=1,
                         pad_token_id=1),
        vision_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
                           image_size=32, patch_size=8),
        projection_dim=16)
    torch.manual_seed(seed)
    model = CLIPModel(cfg).eval()
    if flip_text:
        with torch.no_grad():
            model.text_projection.weight.neg_()
    proc = CLIPProcessor(image_processor=CLIPImageProcessor(size={"shortest_edge": 32},
                                                            crop_size={"height": 32, "width": 32}),
                         tokenizer=fast)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    proc.save_pretrained(folder)
    return folder


def build_i3d_files(folder: str | os.PathLike, seed: int = 0) -> tuple[Path, Path]:
    """A random-weight ``InceptionI3d(400)`` saved twice: as a state_dict (``i3d_pretrained_400.pt``)
    and as a TorchScript detector with StyleGAN-V's call signature (``i3d_torchscript.pt``):
    ``forward(x, rescale, resize, return_features)`` where ``rescale`` maps uint8 to [-1, 1] and
    ``resize`` resizes bilinearly to 224×224, as our ``styleganv`` mode does."""
    import torch
    import torch.nn.functional as F

    from bench.metrics.fvd.i3d import InceptionI3d

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    net = InceptionI3d(400).eval()
    with torch.no_grad():  # non-trivial BatchNorm statistics so the loading of buffers is tested too
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm3d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    sd_path = folder / "i3d_pretrained_400.pt"
    torch.save(net.state_dict(), sd_path)

    class Detector(torch.nn.Module):
        def __init__(self, net: torch.nn.Module):
            super().__init__()
            self.net = net

        def forward(self, x: torch.Tensor, rescale: bool = False, resize: bool = False,
                    return_features: bool = False) -> torch.Tensor:
            x = x.float()
            if rescale:
                x = x * (2.0 / 255.0) - 1.0
            if resize:
                x = F.interpolate(x, size=(x.shape[2], 224, 224), mode="trilinear", align_corners=False)
            logits = self.net(x)
            if return_features:
                return logits
            return torch.softmax(logits, dim=1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        scripted = torch.jit.script(Detector(net).eval())
    ts_path = folder / "i3d_torchscript.pt"
    torch.jit.save(scripted, str(ts_path))
    return sd_path, ts_path


def moving_pattern(t: int = 16, h: int = 64, w: int = 64, dx: float = 2.0, dy: float = 0.0, phase: float = 0.0) -> np.ndarray:
    """A smooth colour pattern translated by (dx, dy) px per frame: uint8 ``[t, h, w, 3]``."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    frames = []
    for k in range(t):
        x, y = xx - dx * k, yy - dy * k
        frames.append(np.stack([127 + 100 * np.sin(x / 7.0 + phase) * np.cos(y / 9.0),
                                127 + 100 * np.cos(x / 5.0 + y / 11.0 + phase),
                                127 + 60 * np.sin(y / 4.0 + x / 13.0)], -1))
    return np.clip(np.rint(np.stack(frames)), 0, 255).astype(np.uint8)
