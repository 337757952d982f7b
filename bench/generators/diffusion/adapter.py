"""One adapter for every diffusers video pipeline a model card names.

``DiffusersGenerator(card)`` is a :class:`bench.generators.base.Generator`.  What it does, in order:

1. **Settings.**  The suite's settings (``frames``, ``height``, ``width`` or ``size``, ``fps``,
   ``steps``, ``guidance``, ``negative_prompt``) override the card's ``defaults``.  The card's
   frame-count rule (``4k+1``, ``8k+1`` …) and ``size_multiple`` are enforced by the
   ``frame_policy`` setting: ``round`` (default) moves a bad value to the nearest valid one and
   records ``"frames 24 -> 25 (rule 4k+1)"`` in ``params.adjustments``; ``error`` refuses it
   with a one-line ``UserError``.  Other switches: ``cpu_offload`` (``none|model|sequential``),
   ``vae_tiling``, ``vae_slicing`` (default: the card's ``memory``), ``compile`` (torch.compile
   the denoiser; refused with CPU offload, where it breaks on accelerate's hooks), ``device`` (default ``cuda:$LOCAL_RANK`` under torchrun, ``cuda``, else
   ``cpu``), ``dtype`` (one name for every component).
2. **Loading** (once per generator, kept until ``close()``): the folder comes from the weights
   registry (``$BENCH_WEIGHTS_DIR/<id>/``, the Hugging Face cache, or the hub when online and
   allowed; see ``bench weights``), or from the card's local folder (tiny pipelines).  The class
   is the card's ``pipeline`` (from an allow-list checked when the card loads);
   ``from_pretrained(folder, torch_dtype={default: …, vae: …}, local_files_only=True)``;
   ``trust_remote_code`` only when the card says so.  dtype: the card's per component on a GPU,
   float32 everywhere on a CPU.  Then the card's scheduler swap, offload or ``.to(device)``,
   VAE tiling/slicing and the optional compile.
3. **Calling.**  Argument names come from ``inspect.signature(pipeline.__call__)``: frames go
   to ``num_frames`` / ``video_length`` / ``frames``, fps to ``frame_rate`` / ``fps`` when the
   pipeline conditions on it, steps to ``num_inference_steps``, guidance to ``guidance_scale``;
   ``max_sequence_length`` is the card's, else the transformer's ``max_text_seq_length`` (what
   CogVideoX needs); ``output_type="np"``.  The noise comes from one CPU ``torch.Generator``
   per sample seeded with the runner's seed, so the same seed gives the same initial latents on
   any device.  Image-to-video cards get their first frame from the oracle world's render of
   the probe (same seed), resized to the call's size.
4. **Output.**  numpy / torch / PIL outputs become uint8 ``T x H x W x 3`` (float frames in
   [0, 1] through :func:`bench.video.frames_from_float`, which refuses NaN/inf), at the
   settings' fps.  Provenance: ``params`` holds every setting actually used and every argument
   actually passed, plus hub id, revision, pipeline class, diffusers/torch versions, device and
   dtypes; ``random_weights`` is true for tiny pipelines.  A pipeline that returns sound with the
   frames (LTX-2) has it kept in ``Video.audio`` (a ``bench.audio.track.Audio``), so the store
   writes it into the video file and the manifest's ``audio`` field; ``provenance["pipeline_audio"]``
   describes what the pipeline returned (``needs.native_audio``).

Card needs (issue 13; the rules live in :mod:`.needs` and :mod:`.tokcheck`, the hooks here are one
line each): the packages a card needs are checked before loading; tokenizers are loaded as their own
files define them and checked against them after loading (a changed tokenizer is refused); a VAE
that decodes only some sizes (Allegro) gets its sizes rounded or refused and is checked before the
call; ``compile`` with CPU offload is refused; guidance goes to a pipeline's ``guider`` where the
pipeline takes no ``guidance_scale`` (HunyuanVideo 1.5).
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import UserError
from bench.generators.base import Generator, GeneratorInfo
from bench.generators.diffusion import needs as card_needs
from bench.generators.diffusion import tokcheck
from bench.generators.diffusion.cards import ModelCard, nearest_multiple
from bench.video import Video, frames_from_float

#: Settings this adapter reads; anything else in ``settings`` is recorded as ignored.
SETTING_KEYS = ("frames", "height", "width", "size", "fps", "steps", "guidance", "negative_prompt",
                "frame_policy", "cpu_offload", "vae_tiling", "vae_slicing", "compile", "device", "dtype")
FRAME_ARGS = ("num_frames", "video_length", "frames")
FPS_ARGS = ("frame_rate", "fps")
#: Set this to 1 to let ``available()`` accept real cards on a CPU (hours per video).
ALLOW_CPU_ENV = "BENCH_DIFFUSERS_ALLOW_CPU"


# --------------------------------------------------------------------------- settings


@dataclass
class Resolved:
    """The settings one call uses, after the card's defaults and rules."""

    frames: int
    height: int
    width: int
    fps: float
    steps: int
    guidance: float
    negative_prompt: str
    frame_policy: str
    cpu_offload: str
    vae_tiling: bool
    vae_slicing: bool
    compile: bool
    device: str
    dtype: dict[str, str]
    dtype_from_card: bool = False
    adjustments: list[str] = field(default_factory=list)
    requested: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def _int(v: Any, key: str, where: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v) or int(v) <= 0:
        raise UserError(f"{where}: setting {key!r} must be a positive integer, got {v!r}")
    return int(v)


def default_cuda_device() -> str:
    """``cuda:<local rank>`` under torchrun / accelerate (``LOCAL_RANK``) or Slurm
    (``SLURM_LOCALID``), so each rank of a sharded run uses its own GPU; else ``cuda``."""
    for key in ("LOCAL_RANK", "SLURM_LOCALID"):
        v = os.environ.get(key, "")
        if v.isdigit():
            return f"cuda:{int(v)}"
    return "cuda"


def resolve_settings(card: ModelCard, settings: dict[str, Any], *, cuda: bool) -> Resolved:
    """Merge ``settings`` over the card's defaults and apply the frame/size rules."""
    where = f"model {card.id}"
    s = dict(settings or {})
    d = card.defaults
    height, width = d["height"], d["width"]
    if s.get("size") is not None:
        size = s["size"]
        if isinstance(size, (list, tuple)) and len(size) == 2:
            height, width = _int(size[0], "size", where), _int(size[1], "size", where)
        else:
            height = width = _int(size, "size", where)
    if s.get("height") is not None:
        height = _int(s["height"], "height", where)
    if s.get("width") is not None:
        width = _int(s["width"], "width", where)
    frames = _int(s["frames"], "frames", where) if s.get("frames") is not None else d["frames"]
    steps = _int(s["steps"], "steps", where) if s.get("steps") is not None else d["steps"]
    fps = s.get("fps", d["fps"])
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not 0 < fps <= 240:
        raise UserError(f"{where}: setting 'fps' must be a number in (0, 240], got {fps!r}")
    guidance = s.get("guidance", d["guidance"])
    if isinstance(guidance, bool) or not isinstance(guidance, (int, float)) or guidance < 0:
        raise UserError(f"{where}: setting 'guidance' must be a number >= 0, got {guidance!r}")
    neg = s.get("negative_prompt", d.get("negative_prompt", "")) or ""
    if not isinstance(neg, str):
        raise UserError(f"{where}: setting 'negative_prompt' must be a string")
    policy = s.get("frame_policy", "round")
    if policy not in ("round", "error"):
        raise UserError(f"{where}: setting 'frame_policy' must be 'round' or 'error', got {policy!r}")

    adjustments: list[str] = []
    requested: dict[str, Any] = {}
    rule = card.frame_rule
    assert rule is not None
    if not rule.valid(frames):
        fixed = rule.nearest(frames)
        limit = f", at most {rule.max_frames}" if rule.max_frames else ""
        if policy == "error":
            raise UserError(f"{where}: {frames} frames breaks the frame rule {rule.text}{limit} "
                            f"(nearest valid: {fixed}; or set frame_policy: round)")
        adjustments.append(f"frames {frames} -> {fixed} (rule {rule.text}{limit})")
        requested["frames"] = frames
        frames = fixed
    m = card.size_multiple
    for key, val in (("height", height), ("width", width)):
        if val % m:
            fixed = nearest_multiple(val, m)
            if policy == "error":
                raise UserError(f"{where}: {key} {val} is not a multiple of {m} "
                                f"(nearest valid: {fixed}; or set frame_policy: round)")
            adjustments.append(f"{key} {val} -> {fixed} (multiple of {m})")
            requested[key] = val
            if key == "height":
                height = fixed
            else:
                width = fixed
    # a VAE that decodes only some sizes (Allegro): round or refuse, never emit blank frames
    frames, height, width = card_needs.apply_decode_tiles(card, frames, height, width, policy,
                                                          adjustments, requested)

    mem = card.memory
    offload = s.get("cpu_offload", mem.get("cpu_offload", "none"))
    if offload is True:
        offload = "model"
    if offload in (False, None):
        offload = "none"
    if offload not in ("none", "model", "sequential"):
        raise UserError(f"{where}: setting 'cpu_offload' must be none, model or sequential, got {offload!r}")
    device = str(s.get("device") or (default_cuda_device() if cuda else "cpu"))
    on_gpu = device.startswith("cuda")
    if offload != "none" and not on_gpu:
        adjustments.append(f"cpu_offload {offload} -> none (device {device})")
        offload = "none"
    dtype_from_card = False
    if s.get("dtype") is not None:
        if s["dtype"] not in ("float32", "float16", "bfloat16"):
            raise UserError(f"{where}: setting 'dtype' must be float32, float16 or bfloat16, got {s['dtype']!r}")
        dtype = {"default": str(s["dtype"])}
    elif on_gpu:
        dtype, dtype_from_card = dict(card.dtype), True
    else:
        dtype = {"default": "float32"}  # half precision on a CPU is slow and poorly supported
    ignored = sorted(k for k in s if k not in SETTING_KEYS)
    refusal = card_needs.compile_refusal(bool(s.get("compile", False)), str(offload), device)
    if refusal:
        raise UserError(f"{where}: {refusal}")
    return Resolved(frames=frames, height=height, width=width, fps=float(fps), steps=steps,
                    guidance=float(guidance), negative_prompt=neg, frame_policy=policy,
                    cpu_offload=str(offload), vae_tiling=bool(s.get("vae_tiling", mem.get("vae_tiling", False))),
                    vae_slicing=bool(s.get("vae_slicing", mem.get("vae_slicing", False))),
                    compile=bool(s.get("compile", False)), device=device, dtype=dtype,
                    dtype_from_card=dtype_from_card,
                    adjustments=adjustments, requested=requested, ignored=ignored)


# --------------------------------------------------------------------------- weights


def weights_name(card: ModelCard) -> str:
    """The weights-registry entry of a card (``weights:`` in the card, else its id)."""
    return str(card.raw.get("weights") or card.id)


def component_weights_name(card: ModelCard, comp: str) -> str:
    return str(card.components[comp].get("weights") or f"{weights_name(card)}.{comp}")


def weights_folder(card: ModelCard, component: str | None = None, *, allow_download: bool | None = None) -> Path:
    """The local folder holding a card's weights (or one extra component's)."""
    if card.local_path is not None and component is None:
        p = Path(card.local_path)
        if not (p / "model_index.json").exists():
            raise UserError(f"model {card.id}: {p} is not a diffusers pipeline folder (no model_index.json)")
        return p
    from bench.weights import registry as wreg

    name = weights_name(card) if component is None else component_weights_name(card, component)
    return Path(wreg.resolve(name, allow_download=allow_download, needed_by=f"model {card.id}"))


def weights_status(card: ModelCard) -> tuple[bool, str]:
    if card.local_path is not None:
        return True, ""
    try:
        from bench.weights import registry as wreg
    except ImportError as e:  # the registry module is part of the package; this is a broken install
        return False, f"weights registry unavailable ({e})"
    names = [weights_name(card)] + [component_weights_name(card, c) for c in card.components]
    missing = [n for n in names if not wreg.status(n)[0]]
    if missing:
        # short on purpose (`bench models` shows it in a column); `bench weights list` has the detail
        return False, (f"weights not found here: get them with `bench weights fetch {' '.join(missing)}` "
                       f"on a machine with a network, or put the snapshot in "
                       f"{wreg.weights_dir()}/{missing[0]}/")
    return True, ""


# --------------------------------------------------------------------------- loading


def _torch_dtype(name: str) -> Any:
    import torch

    return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[name]


def _dtype_kwarg(cls: Any) -> str:
    """``dtype`` or ``torch_dtype``: the name this library version's ``from_pretrained`` wants.

    transformers renamed it in 4.56, diffusers in 2026 (PR #14205, which added
    ``deprecation_utils._resolve_dtype``); the old name still works there, with a warning.
    """
    if cls.__module__.startswith("transformers"):
        from importlib import metadata

        try:
            major, minor = (int(x) for x in metadata.version("transformers").split(".")[:2])
        except (metadata.PackageNotFoundError, ValueError):
            return "torch_dtype"
        return "dtype" if (major, minor) >= (4, 56) else "torch_dtype"
    try:
        from diffusers.utils import deprecation_utils
    except ImportError:
        return "torch_dtype"
    return "dtype" if hasattr(deprecation_utils, "_resolve_dtype") else "torch_dtype"


def _diffusers_attr(name: str, what: str) -> Any:
    import diffusers

    obj = getattr(diffusers, name, None)
    if obj is None:
        import transformers

        obj = getattr(transformers, name, None)
    if obj is None:
        raise UserError(f"{what} {name!r} is not in the installed diffusers {diffusers.__version__} "
                        f"(upgrade diffusers: pip install -U diffusers)")
    return obj


def load_pipeline(card: ModelCard, r: Resolved) -> tuple[Any, dict[str, Any]]:
    """Build the card's pipeline as ``r`` asks.  Returns (pipeline, what was done)."""
    import torch

    cls = _diffusers_attr(card.pipeline, "pipeline class")
    missing = [m for m in card_needs.required_packages(card) if card_needs.package_missing(m)]
    if missing:  # before loading: transformers' own error would name the wrong package (tiktoken)
        pips = " ".join(card_needs.PIP_NAMES.get(m, m) for m in missing)
        raise UserError(f"model {card.id}: {card.pipeline} needs the Python packages {pips} "
                        f"(pip install {pips}, or pip install -e '.[gpu]'); see `bench doctor --model {card.id}`")
    folder = weights_folder(card)
    dtypes = {k: _torch_dtype(v) for k, v in r.dtype.items()}
    kwargs: dict[str, Any] = {_dtype_kwarg(cls): dtypes if len(dtypes) > 1 else dtypes["default"],
                              "local_files_only": True}
    if card.raw.get("variant"):
        kwargs["variant"] = card.raw["variant"]
    if card.trust_remote_code:
        kwargs["trust_remote_code"] = True
    done: dict[str, Any] = {"folder": str(folder), "components": {}}
    # tokenizers read as their own files define them (HunyuanVideo's byte-level BPE in transformers 5)
    for tname, tok in tokcheck.tokenizer_overrides(card, folder).items():
        kwargs[tname] = tok
        done["components"][tname] = {"class": type(tok).__name__, "why": "loaded as its tokenizer.json defines it"}
    for cname, c in card.components.items():
        ccls = _diffusers_attr(c["class"], "component class")
        cfolder = weights_folder(card, cname)
        # the card's per-component dtype applies only where the card's dtypes do (a GPU, no override)
        cdt = (c.get("dtype") or r.dtype.get(cname) or r.dtype["default"]) if r.dtype_from_card else r.dtype["default"]
        ck: dict[str, Any] = {_dtype_kwarg(ccls): _torch_dtype(cdt), "local_files_only": True}
        if c.get("subfolder"):
            ck["subfolder"] = c["subfolder"]
        kwargs[cname] = ccls.from_pretrained(str(cfolder), **ck)
        done["components"][cname] = {"class": c["class"], "hub_id": c["hub_id"], "revision": c["revision"],
                                     "dtype": cdt, "folder": str(cfolder)}
    try:
        pipe = cls.from_pretrained(str(folder), **kwargs)
    except (OSError, ValueError, EnvironmentError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise UserError(f"model {card.id}: cannot load {card.pipeline} from {folder} ({msg})") from None
    done["tokenizers"] = tokcheck.check_tokenizers(pipe, folder, f"model {card.id}")
    if card.scheduler:
        scls = _diffusers_attr(card.scheduler["class"], "scheduler class")
        overrides = dict(card.scheduler.get("config") or {})
        pipe.scheduler = scls.from_config(pipe.scheduler.config, **overrides)
        done["scheduler"] = {"class": card.scheduler["class"], **overrides}
    if r.cpu_offload == "model":
        pipe.enable_model_cpu_offload(device=r.device)
    elif r.cpu_offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=r.device)
    elif r.device != "cpu":  # from_pretrained loads onto the CPU already
        pipe.to(r.device)
    vae = getattr(pipe, "vae", None)
    if r.vae_tiling:
        if vae is None or not hasattr(vae, "enable_tiling"):
            raise UserError(f"model {card.id}: vae_tiling asked, but {card.pipeline}'s VAE has no tiling")
        vae.enable_tiling()
    if r.vae_slicing:
        if vae is None or not hasattr(vae, "enable_slicing"):
            raise UserError(f"model {card.id}: vae_slicing asked, but {card.pipeline}'s VAE has no slicing")
        vae.enable_slicing()
    if r.compile:
        for attr in ("transformer", "unet"):
            if getattr(pipe, attr, None) is not None:
                setattr(pipe, attr, torch.compile(getattr(pipe, attr)))
                done["compiled"] = attr
                break
    if hasattr(pipe, "set_progress_bar_config"):
        pipe.set_progress_bar_config(disable=True)
    return pipe, done


# --------------------------------------------------------------------------- calling


def call_arguments(pipe: Any, card: ModelCard, r: Resolved, prompt: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The keyword arguments for ``pipe(...)`` (without generator/image), and the mapping used."""
    try:
        sig = inspect.signature(pipe.__call__)
    except (TypeError, ValueError):
        raise UserError(f"model {card.id}: {card.pipeline}.__call__ has no inspectable signature") from None
    names = {n for n, p in sig.parameters.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    mapping: dict[str, str] = {}

    def first(options: tuple[str, ...]) -> str | None:
        return next((n for n in options if n in names), None)

    kw: dict[str, Any] = {"prompt": prompt}
    guider = getattr(pipe, "guider", None) if "guidance_scale" not in names else None
    for need in ("prompt", "height", "width", "num_inference_steps") + (() if guider is not None else ("guidance_scale",)):
        if need not in names:
            raise UserError(f"model {card.id}: {card.pipeline}.__call__ takes no {need!r} argument")
    fa = first(FRAME_ARGS)
    if fa is None:
        raise UserError(f"model {card.id}: {card.pipeline}.__call__ has no frame-count argument "
                        f"(looked for {', '.join(FRAME_ARGS)})")
    kw[fa] = r.frames
    mapping["frames"] = fa
    kw["height"], kw["width"] = r.height, r.width
    kw["num_inference_steps"] = r.steps
    mapping.update(height="height", width="width", steps="num_inference_steps", guidance="guidance_scale")
    if guider is None:
        kw["guidance_scale"] = r.guidance
    else:  # HunyuanVideo 1.5: guidance lives in the pipeline's guider component (diffusers ClassifierFreeGuidance)
        pipe.guider = guider.new(guidance_scale=r.guidance)
        mapping["guidance"] = f"guider.guidance_scale ({type(guider).__name__})"
    fpa = first(FPS_ARGS)
    if fpa is not None:
        kw[fpa] = int(round(r.fps)) if fpa == "fps" else r.fps
        mapping["fps"] = fpa
    else:
        mapping["fps"] = "(output frame rate only; the pipeline takes none)"
    if r.negative_prompt:
        if "negative_prompt" in names:
            kw["negative_prompt"] = r.negative_prompt
            mapping["negative_prompt"] = "negative_prompt"
        else:
            mapping["negative_prompt"] = "(ignored: the pipeline takes none)"
    if "output_type" in names:
        kw["output_type"] = "np"
    for k, v in card.call.items():
        if k not in names:
            raise UserError(f"{card.where}: field 'call': {card.pipeline}.__call__ takes no argument {k!r}")
        kw[k] = v
    if "max_sequence_length" in names and "max_sequence_length" not in kw:
        tr = getattr(pipe, "transformer", None)
        n = getattr(getattr(tr, "config", None), "max_text_seq_length", None)
        if n:  # CogVideoX: the prompt must be padded to exactly what the transformer was built for
            kw["max_sequence_length"] = int(n)
    return kw, mapping


def to_uint8_frames(out: Any, what: str) -> np.ndarray:
    """A pipeline's ``.frames`` (first video of the batch) as uint8 ``T x H x W x 3``."""
    frames = getattr(out, "frames", out)
    if isinstance(frames, (list, tuple)):
        if not frames:
            raise UserError(f"{what}: the pipeline returned no frames")
        first = frames[0]
        if isinstance(first, (list, tuple)):   # [[PIL, ...]] : batch of videos of PIL images
            frames = first
        if hasattr(frames[0], "convert"):       # [PIL, ...]
            return np.stack([np.asarray(im.convert("RGB"), dtype=np.uint8) for im in frames])
        frames = np.stack([_as_numpy(f) for f in frames])
    arr = _as_numpy(frames)
    if arr.ndim == 5:
        arr = arr[0]
    if arr.ndim != 4:
        raise UserError(f"{what}: unexpected output shape {arr.shape} (expected a video)")
    if arr.shape[-1] != 3:
        if arr.shape[1] == 3:        # T x C x H x W
            arr = arr.transpose(0, 2, 3, 1)
        elif arr.shape[0] == 3:      # C x T x H x W
            arr = arr.transpose(1, 2, 3, 0)
        else:
            raise UserError(f"{what}: cannot find the RGB axis in output shape {arr.shape}")
    if arr.dtype == np.uint8:
        return np.ascontiguousarray(arr)
    if np.issubdtype(arr.dtype, np.floating):
        return frames_from_float(arr, 0.0, 1.0, what=what)
    raise UserError(f"{what}: unexpected output dtype {arr.dtype}")


def _as_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):  # torch tensor
        x = x.detach().to("cpu")
        if str(x.dtype) in ("torch.bfloat16", "torch.float16"):
            x = x.float()
        return x.numpy()
    if hasattr(x, "convert"):  # PIL image
        return np.asarray(x.convert("RGB"), dtype=np.uint8)
    return np.asarray(x)


# --------------------------------------------------------------------------- first frames


def first_frame(probe: dict[str, Any], seed: int, height: int, width: int,
                world: str | None = None) -> tuple[Any, dict[str, Any]]:
    """The first frame for image-to-video cards: the oracle world's render of the probe's scene
    at ``seed``, resized (Lanczos) to ``width x height``.  Returns (PIL image, provenance).

    ``world``: "2d" (the flat oracle world) or "3d" (``oracle3d``: a frame that looks like a
    photograph); default ``$BENCH_FIRST_FRAME_WORLD``, else "2d".  The provenance records it."""
    import os

    from PIL import Image

    from bench.generators.base import resolve

    world = world or os.environ.get("BENCH_FIRST_FRAME_WORLD", "2d")
    if world not in ("2d", "3d"):
        raise UserError(f"BENCH_FIRST_FRAME_WORLD must be 2d or 3d, got {world!r}")
    source = "oracle3d" if world == "3d" else "oracle"
    oracle = resolve(source)
    ok, why = oracle.supports(probe)
    if not ok:
        raise UserError(f"probe {probe.get('id')}: no first frame for an image-to-video model ({why})")
    v = oracle.generate(probe, seed, {"height": height, "width": width, "frames": 2})
    img = Image.fromarray(v.frames[0])
    if img.size != (width, height):
        img = img.resize((width, height), Image.LANCZOS)
    pix = np.asarray(img, dtype=np.uint8)
    return img, {"source": source, "world": world, "seed": seed, "size": [height, width],
                 "sha256": hashlib.sha256(pix.tobytes()).hexdigest()}


# --------------------------------------------------------------------------- the generator


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for p in ("diffusers", "transformers", "torch"):
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def _cuda() -> bool:
    try:
        import torch
    except Exception:
        return False
    return bool(torch.cuda.is_available())


class DiffusersGenerator(Generator):
    """A model card's pipeline behind the common generator interface."""

    def __init__(self, card: ModelCard):
        if card.kind not in ("diffusers", "tiny"):
            raise ValueError(f"{card.id} is a {card.kind} card, not a diffusers one")
        self.card = card
        size = f"{card.params} params" if card.params else ""
        if card.vram_gb:
            size += f", ~{card.vram_gb:g} GB VRAM"
        desc = card.name + (" [random weights]" if card.random_weights else "")
        if card.deprecated:
            desc += f" (deprecated: {card.deprecated})"
        self.info = GeneratorInfo(name=card.id, kind="tiny" if card.random_weights else "diffusers",
                                  access=card.access, description=desc, revision=card.revision,
                                  size=size, licence=card.licence, card=dict(card.raw))
        self._pipe: Any = None
        self._pipe_key: tuple | None = None
        self._loaded: dict[str, Any] = {}

    # ---------------------------------------------------------------- contract
    def available(self) -> tuple[bool, str]:
        reasons = []
        missing = [card_needs.PIP_NAMES.get(m, m) for m in card_needs.required_packages(self.card)
                   if card_needs.package_missing(m)]
        if missing:
            reasons.append(f"needs Python packages {' '.join(missing)} (pip install {' '.join(missing)}; "
                           f"bench doctor --model {self.card.id})")
        ok, why = weights_status(self.card)
        if not ok:
            reasons.append(why)
        if not self.card.random_weights and not _cuda() and os.environ.get(ALLOW_CPU_ENV) != "1":
            need = f"~{self.card.vram_gb:g} GB" if self.card.vram_gb else "a large"
            reasons.append(f"needs a CUDA GPU ({need} of GPU memory); on a CPU a {self.card.params} video "
                           f"model would take hours per video (set {ALLOW_CPU_ENV}=1 to try anyway)")
        return (not reasons), "; ".join(reasons)

    def supports(self, probe: dict[str, Any]) -> tuple[bool, str]:
        if self.card.input != "image+text":
            return True, ""
        if not probe.get("scene"):
            return False, (f"{self.card.id} is image-to-video and needs a first frame; probe "
                           f"{probe.get('id')} has no scene for the oracle world to render one")
        try:
            from bench.generators.base import resolve

            oracle = resolve("oracle")
        except UserError as e:
            return False, f"{self.card.id} needs the oracle world for its first frame ({e})"
        return oracle.supports(probe)

    def default_settings(self) -> dict[str, Any]:
        d = self.card.defaults
        out = {k: d[k] for k in ("frames", "height", "width", "fps", "steps", "guidance")}
        if d.get("negative_prompt"):
            out["negative_prompt"] = d["negative_prompt"]
        return out

    def generate(self, probe: dict[str, Any], seed: int, settings: dict[str, Any]) -> Video:
        import torch

        card = self.card
        r = resolve_settings(card, settings, cuda=_cuda())
        pipe = self._pipeline(r)
        prompt = str(probe["prompt"])
        kw, mapping = call_arguments(pipe, card, r, prompt)
        image_prov = None
        card_needs.check_decoded_coverage(getattr(pipe, "vae", None), r.frames, r.height, r.width,
                                          f"model {card.id}")
        if card.input == "image+text":
            img, image_prov = first_frame(probe, seed, r.height, r.width)
            kw["image"] = img
        gen = torch.Generator("cpu").manual_seed(int(seed))
        what = f"model {card.id}, probe {probe.get('id')}, seed {seed}"
        try:
            with torch.inference_mode():
                out = pipe(generator=gen, **kw)
        except torch.cuda.OutOfMemoryError:
            raise UserError(f"{what}: out of GPU memory at {r.frames} frames of {r.width}x{r.height} "
                            f"(cpu_offload {r.cpu_offload}, vae_tiling {r.vae_tiling}); try the settings "
                            f"cpu_offload: sequential, vae_tiling: true, or fewer frames / a smaller size") from None
        frames = to_uint8_frames(out, what)
        audio = card_needs.native_audio(out, pipe)   # LTX-2 keeps the sound it generates
        recorded_call = {k: v for k, v in kw.items() if k not in ("image", "prompt")}
        recorded_call["generator"] = f"torch.Generator('cpu').manual_seed({int(seed)})"
        if image_prov is not None:
            recorded_call["image"] = image_prov
        params = {
            "frames": r.frames, "height": r.height, "width": r.width, "fps": r.fps, "steps": r.steps,
            "guidance": r.guidance, "negative_prompt": r.negative_prompt or None, "seed": int(seed),
            "frame_policy": r.frame_policy, "adjustments": r.adjustments, "requested": r.requested,
            "ignored_settings": r.ignored, "device": r.device, "dtype": r.dtype,
            "cpu_offload": r.cpu_offload, "vae_tiling": r.vae_tiling, "vae_slicing": r.vae_slicing,
            "compile": r.compile, "pipeline": card.pipeline, "call": recorded_call, "argument_map": mapping,
            "hub_id": card.hub_id or None, "revision": card.revision, "revision_pinned": card.revision_pinned,
            "scheduler": self._loaded.get("scheduler"), "components": self._loaded.get("components") or None,
            "tokenizers": self._loaded.get("tokenizers") or None,
            "versions": _versions(), "random_weights": card.random_weights,
        }
        if frames.shape[0] != r.frames:
            params["frames_returned"] = int(frames.shape[0])
        prov: dict[str, Any] = {"source": "generated", "model": card.id, "revision": card.revision,
                                "random_weights": card.random_weights, "prompt": prompt,
                                "probe_id": probe.get("id"), "seed": int(seed), "params": params}
        if audio is not None:  # the pipeline's sound travels in Video.audio, described in provenance
            prov["pipeline_audio"] = audio[0]
        if card.random_weights:
            prov["warning"] = "random weights: a plumbing test, not any model's output"
        return Video(frames, fps=r.fps, provenance=prov, audio=audio[1] if audio is not None else None)

    def close(self) -> None:
        self._pipe = None
        self._pipe_key = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except Exception:
            pass

    # ---------------------------------------------------------------- internals
    def _pipeline(self, r: Resolved) -> Any:
        key = (r.device, tuple(sorted(r.dtype.items())), r.cpu_offload, r.vae_tiling, r.vae_slicing, r.compile)
        if self._pipe is None or self._pipe_key != key:
            self.close()
            self._pipe, self._loaded = load_pipeline(self.card, r)
            self._pipe_key = key
        return self._pipe


class ClosedModel(Generator):
    """A closed model's card: listed by ``bench models``; its videos come in by ``bench import``."""

    def __init__(self, card: ModelCard):
        self.card = card
        raw = card.raw
        self.info = GeneratorInfo(name=card.id, kind="import", access=card.access,
                                  description=f"{card.name} ({raw.get('developer')}; reviewed {raw.get('date_reviewed')})",
                                  revision=str(raw.get("version", "")), size="", licence="closed",
                                  card=dict(raw))

    def available(self) -> tuple[bool, str]:
        if self.card.access == "unreleased":
            return False, (f"{self.card.name} is unreleased (card only): nothing can generate its videos; "
                           f"published samples, if any, come in with `bench import --model {self.card.id}`")
        return False, (f"closed model ({self.card.access}): generate its videos with the vendor, then "
                       f"`bench import --model {self.card.id} --videos DIR --suite S --run RUN`")

    def generate(self, probe: dict[str, Any], seed: int, settings: dict[str, Any]) -> Video:
        raise UserError(self.available()[1])
