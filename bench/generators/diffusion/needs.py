"""What a model card needs, and the offline preflight that checks it without loading weights.

A card's ``needs`` block (validated by :func:`parse_needs` when the card loads)::

    needs:
      packages: [sentencepiece, protobuf, ftfy]       # import names the pipeline / tokenizer need
      tokenizers: {tokenizer: t5-sentencepiece}       # component -> kind (see TOKENIZER_KINDS)
      files: [model_index.json, tokenizer/spiece.model, ...]   # what the hub repo holds that loading reads
      files_note: how the file list was obtained

``defaults_sources`` maps each default (``steps``, ``guidance``, ``negative_prompt``, ``scheduler``,
``dtype``, ``frames``, ``size`` ...) to where it comes from (a model card URL or a doc page).

:func:`preflight` checks, in order: the pipeline class is in the installed diffusers; every package
(the card's, and the ones its tokenizer kinds need) imports; the weights folder resolves; the files
the card lists are in it; the card's allow_patterns do not leave out a listed file.  It never
imports torch models or reads weights.  Each finding is one line with the command that fixes it.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import math

from bench.errors import UserError
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Tokenizer kinds a card may name, with the files the tokenizer folder holds in the real repo
#: and the Python packages transformers 5 needs to read them.
#: ``t5-sentencepiece``: a folder with only ``spiece.model`` (CogVideoX, LTX-Video): transformers 5
#: converts it with ``sentencepiece`` and reads the proto with ``protobuf``; without them it falls
#: back to a tiktoken reader and fails.  ``llama3-bytelevel-bpe``: a ``tokenizer.json`` with a
#: byte-level BPE (HunyuanVideo's llava-llama-3 text encoder); transformers 5's ``LlamaTokenizer``
#: rebuilds it with a Metaspace pre-tokenizer, so the adapter loads it as the file says
#: (:mod:`bench.generators.diffusion.tokcheck`).
TOKENIZER_KINDS: dict[str, dict[str, Any]] = {
    "t5-sentencepiece": {"files": ["spiece.model"], "packages": ["sentencepiece", "google.protobuf"]},
    "t5-fast": {"files": ["tokenizer.json"], "packages": []},
    "umt5-fast": {"files": ["tokenizer.json"], "packages": []},
    "clip-bpe": {"files": ["vocab.json", "merges.txt"], "packages": []},
    "llama3-bytelevel-bpe": {"files": ["tokenizer.json"], "packages": []},
    "qwen2-bpe": {"files": ["vocab.json", "merges.txt"], "packages": []},
    "gemma-fast": {"files": ["tokenizer.json"], "packages": []},
    "byt5": {"files": [], "packages": []},
}
#: pip name of an import name, for the fix command.
PIP_NAMES = {"google.protobuf": "protobuf", "bs4": "beautifulsoup4", "sentencepiece": "sentencepiece",
             "ftfy": "ftfy", "regex": "regex", "imageio": "imageio", "av": "av"}
#: Keys ``defaults_sources`` may cite.
SOURCE_KEYS = ("steps", "guidance", "negative_prompt", "scheduler", "flow_shift", "dtype", "frames", "size",
               "fps", "memory", "call", "files", "decode_tiles")


class NeedsError(ValueError):
    """A malformed ``needs`` / ``defaults_sources`` / ``decode_tiles`` block (field, problem)."""

    def __init__(self, field_name: str, problem: str):
        super().__init__(problem)
        self.field = field_name


def _str_list(v: Any, key: str) -> list[str]:
    if not (isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v)):
        raise NeedsError(key, "must be a list of non-empty strings")
    return [str(x) for x in v]


def parse_needs(raw: Any) -> dict[str, Any]:
    """Validate a card's ``needs`` block; returns it normalised (lists, a tokenizer mapping)."""
    if raw is None:
        return {"packages": [], "tokenizers": {}, "files": [], "files_note": ""}
    if not isinstance(raw, dict):
        raise NeedsError("needs", "must be a mapping (packages, tokenizers, files, files_note)")
    extra = sorted(set(raw) - {"packages", "tokenizers", "files", "files_note"})
    if extra:
        raise NeedsError("needs", f"unknown key {extra[0]!r}")
    pk = _str_list(raw.get("packages", []), "needs")
    toks = raw.get("tokenizers", {}) or {}
    if not isinstance(toks, dict):
        raise NeedsError("needs", "tokenizers must map a component name to a kind")
    for comp, kind in toks.items():
        if kind not in TOKENIZER_KINDS:
            raise NeedsError("needs", f"tokenizers.{comp}: {kind!r} is not one of {sorted(TOKENIZER_KINDS)}")
    files = _str_list(raw.get("files", []), "needs")
    for f in files:
        if f.startswith("/") or ".." in f.split("/"):
            raise NeedsError("needs", f"files: {f!r} must be a relative path inside the repository")
    note = raw.get("files_note", "")
    if files and not (isinstance(note, str) and note.strip()):
        raise NeedsError("needs", "files_note is required with files (say how the list was obtained)")
    return {"packages": pk, "tokenizers": {str(k): str(v) for k, v in toks.items()}, "files": files,
            "files_note": str(note)}


def parse_sources(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise NeedsError("defaults_sources", "must map a default (steps, guidance, ...) to its source")
    for k, v in raw.items():
        if k not in SOURCE_KEYS:
            raise NeedsError("defaults_sources", f"unknown key {k!r} (known: {', '.join(SOURCE_KEYS)})")
        if not (isinstance(v, str) and v.strip()):
            raise NeedsError("defaults_sources", f"{k}: must be a non-empty string (a URL or a doc page)")
    return {str(k): str(v) for k, v in raw.items()}


# --------------------------------------------------------------------------- decode tiles (Allegro)


@dataclass(frozen=True)
class DecodeTiles:
    """A VAE that decodes in fixed latent tiles and leaves what they do not cover at zero
    (``AutoencoderKLAllegro.tiled_decode``: kernel (24, 320, 320) px, stride (16, 200, 240) px,
    i.e. latent kernel (6, 40, 40), stride (4, 25, 30) at 4x temporal / 8x spatial compression).

    A latent axis of length ``n`` is fully covered when ``n >= kernel`` and
    ``(n - kernel) % stride == 0`` (the last tile ends exactly at the edge).  The pipeline's
    latent frame count for ``N`` frames is ``ceil(N / 4)`` (N even) or ``ceil((N - 1) / 4) + 1``
    (N odd) (``AllegroPipeline.prepare_latents``).
    """

    kernel: tuple[int, int, int]      # latent frames, height, width
    stride: tuple[int, int, int]
    temporal: int = 4
    spatial: int = 8

    def latent_frames(self, frames: int) -> int:
        if frames % 2 == 0:
            return math.ceil(frames / self.temporal)
        return math.ceil((frames - 1) / self.temporal) + 1

    @staticmethod
    def _covered(n: int, k: int, s: int) -> bool:
        return n >= k and (n - k) % s == 0

    def frames_ok(self, frames: int) -> bool:
        return self._covered(self.latent_frames(frames), self.kernel[0], self.stride[0])

    def size_ok(self, px: int, axis: int) -> bool:
        return px % self.spatial == 0 and self._covered(px // self.spatial, self.kernel[axis], self.stride[axis])

    def valid_sizes(self, axis: int, upto: int = 2048) -> list[int]:
        k, s = self.kernel[axis], self.stride[axis]
        return [(k + i * s) * self.spatial for i in range(64) if (k + i * s) * self.spatial <= upto]

    def valid_frames(self, upto: int = 256) -> list[int]:
        return [n for n in range(2, upto + 1) if self.frames_ok(n)]

    def nearest(self, value: int, options: list[int]) -> int:
        if not options:
            raise ValueError("no decodable value")
        return min(options, key=lambda o: (abs(o - value), -o))

    def covered_fraction(self, frames: int, height: int, width: int) -> float:
        """The fraction of output pixels (frames x height x width) the tiles cover (1.0 = all)."""
        def axis(n_lat: int, k: int, s: int, scale: int, out_len: int) -> float:
            tiles = max(0, (n_lat - k) // s + 1)
            covered = 0 if tiles == 0 else ((tiles - 1) * s + k) * scale
            return min(covered, out_len) / out_len
        return (axis(self.latent_frames(frames), self.kernel[0], self.stride[0], self.temporal, frames)
                * axis(height // self.spatial, self.kernel[1], self.stride[1], self.spatial, height)
                * axis(width // self.spatial, self.kernel[2], self.stride[2], self.spatial, width))

    @classmethod
    def from_vae(cls, vae: Any) -> "DecodeTiles | None":
        """The rule of a loaded ``AutoencoderKLAllegro`` (its ``kernel`` / ``stride`` in pixels)."""
        kern, stride = getattr(vae, "kernel", None), getattr(vae, "stride", None)
        if type(vae).__name__ != "AutoencoderKLAllegro" or kern is None or stride is None:
            return None
        rt = int(vae.config.temporal_compression_ratio)
        rs = int(vae.spatial_compression_ratio)
        return cls((kern[0] // rt, kern[1] // rs, kern[2] // rs), (stride[0] // rt, stride[1] // rs, stride[2] // rs),
                   rt, rs)


def parse_decode_tiles(raw: Any) -> DecodeTiles | None:
    if raw is None:
        return None
    ok = isinstance(raw, dict) and set(raw) <= {"latent_kernel", "latent_stride", "temporal", "spatial"}
    vals = [raw.get("latent_kernel"), raw.get("latent_stride")] if ok else []
    if not ok or not all(isinstance(v, list) and len(v) == 3 and all(isinstance(x, int) and x > 0 for x in v)
                         for v in vals):
        raise NeedsError("decode_tiles", "must be {latent_kernel: [t, h, w], latent_stride: [t, h, w], "
                                         "temporal: 4, spatial: 8} with positive integers")
    return DecodeTiles(tuple(raw["latent_kernel"]), tuple(raw["latent_stride"]),  # type: ignore[arg-type]
                       int(raw.get("temporal", 4)), int(raw.get("spatial", 8)))


# --------------------------------------------------------------------------- preflight


@dataclass
class Finding:
    """One preflight line: ``ok`` / ``missing`` / ``warn``, what, and the command that fixes it."""

    status: str
    what: str
    fix: str = ""

    def line(self) -> str:
        return f"{self.status.upper():<7} {self.what}" + (f"  -> {self.fix}" if self.fix else "")


def required_packages(card: Any) -> list[str]:
    """Import names the card needs: its own list plus what its tokenizer kinds need (in order)."""
    needs = getattr(card, "needs", None) or parse_needs(card.raw.get("needs"))
    out = list(needs["packages"])
    for kind in needs["tokenizers"].values():
        out += TOKENIZER_KINDS[kind]["packages"]
    return list(dict.fromkeys(out))


def package_missing(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):  # a parent package is missing, or the module is blocked
        return True


def _patterns_cover(patterns: list[str], rel: str) -> bool:
    return any(fnmatch.fnmatch(rel, p) for alt in patterns for p in alt.split("|"))


def preflight(card: Any, folder: Path | None = None) -> list[Finding]:
    """Check a diffusers card offline.  ``folder``: the weights folder to look in (default: what the
    weights registry resolves, without downloading).  Never loads a model."""
    out: list[Finding] = []
    needs = parse_needs(card.raw.get("needs"))
    try:
        import diffusers

        has = hasattr(diffusers, card.pipeline)
        out.append(Finding("ok" if has else "missing", f"pipeline {card.pipeline} in diffusers {diffusers.__version__}",
                           "" if has else "pip install -U diffusers"))
    except ImportError:
        out.append(Finding("missing", "diffusers", "pip install 'bench[gpu]'"))
    for mod in required_packages(card):
        if package_missing(mod):
            pip = PIP_NAMES.get(mod, mod)
            out.append(Finding("missing", f"Python package {pip} (import {mod})",
                               f"pip install {pip}   (or: pip install -e '.[gpu]')"))
        else:
            out.append(Finding("ok", f"Python package {PIP_NAMES.get(mod, mod)}"))
    allow = list(card.raw.get("allow_patterns") or [])
    for rel in needs["files"]:
        if allow and not _patterns_cover(allow, rel):
            out.append(Finding("warn", f"{rel} is listed in needs.files but allow_patterns would not fetch it",
                               f"add a pattern for it to allow_patterns in {card.where}"))
    if card.local_path is None:
        _component_weights(card, out)
    if folder is None and card.local_path is None:
        folder = _resolved_folder(card, out)
    elif folder is None:
        folder = Path(card.local_path)
    if folder is not None:
        absent = [rel for rel in needs["files"] if not (folder / rel).is_file()]
        if absent:
            out.append(Finding("missing", f"{len(absent)} of {len(needs['files'])} repository files in {folder}: "
                                          f"{', '.join(absent[:6])}{' ...' if len(absent) > 6 else ''}",
                               f"bench weights fetch {_weights_name(card)}"))
        elif needs["files"]:
            out.append(Finding("ok", f"all {len(needs['files'])} listed repository files in {folder}"))
    return out


def _weights_name(card: Any) -> str:
    return str(card.raw.get("weights") or card.id)


def _component_weights(card: Any, out: list[Finding]) -> None:
    """Extra repositories a card combines (AnimateDiff's motion adapter)."""
    from bench.generators.diffusion.adapter import component_weights_name
    from bench.weights import registry as wreg

    for comp in card.components:
        name = component_weights_name(card, comp)
        ok, _why = wreg.status(name)
        out.append(Finding("ok", f"weights {name}") if ok else
                   Finding("missing", f"weights {name} ({card.components[comp]['hub_id']})", f"bench weights fetch {name}"))


def _resolved_folder(card: Any, out: list[Finding]) -> Path | None:
    from bench.weights import registry as wreg

    name = _weights_name(card)
    ok, why = wreg.status(name)
    if not ok:
        out.append(Finding("missing", f"weights {name} ({card.hub_id}@{card.revision[:12]})",
                           f"bench weights fetch {name}   (on a machine with a network; "
                           f"or put the snapshot in {wreg.weights_dir()}/{name}/)"))
        return None
    out.append(Finding("ok", f"weights {name}: {why}"))
    try:
        return Path(wreg.resolve(name, allow_download=False))
    except Exception as e:  # a checksum mismatch: status() said found, verify disagrees
        out.append(Finding("missing", f"weights {name}: {str(e).splitlines()[0]}", f"bench weights fetch {name}"))
        return None


def summary(findings: list[Finding]) -> tuple[bool, str]:
    """(all needs met, one line naming what is missing) for ``bench models``."""
    bad = [f for f in findings if f.status == "missing"]
    if not bad:
        return True, ""
    pk = [f.what.split()[2] for f in bad if f.what.startswith("Python package")]
    other = [f for f in bad if not f.what.startswith("Python package")]
    parts = []
    if pk:
        parts.append(f"packages {', '.join(pk)} (pip install {' '.join(pk)})")
    parts += [f"{f.what.split(':')[0].split(' (')[0]} ({f.fix.split('   ')[0]})" for f in other]
    return False, "needs " + "; ".join(parts)


# --------------------------------------------------------------------------- rules the adapter applies


def apply_decode_tiles(card: Any, frames: int, height: int, width: int, policy: str,
                       adjustments: list[str], requested: dict[str, Any]) -> tuple[int, int, int]:
    """Move (frames, height, width) to the nearest fully decodable values of the card's
    ``decode_tiles`` (``policy: round``, recorded in ``adjustments``) or refuse (``error``).

    Why: ``AutoencoderKLAllegro.tiled_decode`` leaves what its tiles do not cover at zero, i.e.
    flat grey frames (at 49 frames the last 9; at 480 px height the bottom third; at 256 px all)."""
    t = card.decode_tiles
    if t is None:
        return frames, height, width
    where = f"model {card.id}"
    vals = {"frames": frames, "height": height, "width": width}
    opts = {"frames": t.valid_frames(max(frames * 2, 256)), "height": t.valid_sizes(1, max(height * 2, 1024)),
            "width": t.valid_sizes(2, max(width * 2, 1024))}
    ok = {"frames": t.frames_ok(frames), "height": t.size_ok(height, 1), "width": t.size_ok(width, 2)}
    for key in ("frames", "height", "width"):
        if ok[key]:
            continue
        fixed = t.nearest(vals[key], opts[key])
        why = (f"{card.pipeline}'s VAE decodes in fixed tiles and leaves the rest blank; decodable "
               f"{key}: {', '.join(map(str, opts[key][:6]))} ...")
        if policy == "error":
            raise UserError(f"{where}: {key} {vals[key]} cannot be decoded in full ({why}); "
                            f"nearest valid: {fixed}; or set frame_policy: round")
        adjustments.append(f"{key} {vals[key]} -> {fixed} (decodable by the VAE's tiles)")
        requested.setdefault(key, vals[key])
        vals[key] = fixed
    return vals["frames"], vals["height"], vals["width"]


def compile_refusal(compile_on: bool, offload: str, device: str) -> str | None:
    """Why ``compile`` cannot be used with these settings (None when it can).

    ``torch.compile`` of a module that ``enable_model_cpu_offload`` / ``enable_sequential_cpu_offload``
    has wrapped in accelerate hooks moves weights between devices inside the compiled graph: it
    recompiles or fails (diffusers documents compiling on a pipeline moved to the GPU with ``.to``)."""
    if not compile_on:
        return None
    if offload != "none":
        return (f"compile with cpu_offload {offload} is not supported (torch.compile of an offloaded "
                f"module breaks on accelerate's device hooks); set cpu_offload: none (needs the whole "
                f"model in GPU memory) or compile: false")
    if not device.startswith("cuda"):
        return f"compile is only supported on a CUDA device here (device {device})"
    return None


def check_decoded_coverage(vae: Any, frames: int, height: int, width: int, what: str) -> None:
    """Refuse before generating when the loaded VAE would leave part of the video blank."""
    t = DecodeTiles.from_vae(vae)
    if t is None:
        return
    frac = t.covered_fraction(frames, height, width)
    if frac < 1.0:
        raise UserError(f"{what}: the VAE's decode tiles cover only {frac:.0%} of {frames} frames of {width}x{height}; "
                  f"decodable sizes: height {t.valid_sizes(1, 1500)[:4]}, width {t.valid_sizes(2, 1500)[:4]}, "
                  f"frames {t.valid_frames(100)[:6]}... (no blank frames are emitted)")


#: diffusers pipeline classes that return a soundtrack with the frames (``out.audio``)
AUDIO_PIPELINES = ("LTX2Pipeline", "LTX2ImageToVideoPipeline")


def native_audio(out: Any, pipe: Any) -> tuple[dict[str, Any], Any] | None:
    """The sound a pipeline generated with the video (LTX-2: ``out.audio``), or None.

    Returns ``(description, audio)``: ``audio`` is a :class:`bench.audio.track.Audio` (float32
    ``(samples, channels)``, clipped to [-1, 1], at the vocoder's ``output_sampling_rate``) that the
    adapter puts in ``Video.audio``, so the run store writes it into the video file like any other
    sound track (FLAC beside FFV1, AAC in the preview) and records it in the manifest's ``audio``
    field.  ``description`` (``provenance["pipeline_audio"]``): ``{"source": "pipeline output
    .audio", "sample_rate", "channels", "samples", "seconds", "clipped": samples outside [-1, 1]
    before clipping}``.  The first video of the batch, unresampled.  Errors: ``UserError`` for a
    shape that is not (channels, samples) / (batch, channels, samples) / (samples,), for NaN/inf
    samples, or when the vocoder states no rate."""
    import numpy as np

    from bench.audio.track import Audio

    a = getattr(out, "audio", None)
    if a is None:
        return None
    if isinstance(a, (list, tuple)):
        a = a[0]
    if hasattr(a, "detach"):
        a = a.detach().float().cpu().numpy()
    arr = np.asarray(a, dtype=np.float32)
    if arr.ndim == 3:          # batch x channels x samples
        arr = arr[0]
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise UserError(f"the pipeline returned audio of unexpected shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise UserError("the pipeline returned audio with NaN/inf samples")
    rate = getattr(getattr(getattr(pipe, "vocoder", None), "config", None), "output_sampling_rate", None)
    if not rate:
        raise UserError("the pipeline returned audio but its vocoder states no output_sampling_rate")
    clipped = int((np.abs(arr) > 1.0).sum())
    audio = Audio(np.ascontiguousarray(np.clip(arr, -1.0, 1.0).T, dtype=np.float32), int(rate))
    meta = {"source": "pipeline output .audio", "sample_rate": int(rate), "channels": int(arr.shape[0]),
            "samples": int(arr.shape[1]), "seconds": float(arr.shape[1] / rate), "clipped": clipped}
    return meta, audio
