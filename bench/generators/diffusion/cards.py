"""Model cards: one YAML file per generator in ``models/<id>.yaml``, and the schema that checks them.

A card is data, read with ``yaml.safe_load`` and validated here; nothing in a card is executed.
Two kinds:

``kind: diffusers`` (open weights, driven by :mod:`bench.generators.diffusion.adapter`)
    id, name, developer, access (``open-weights``), input (``text`` | ``image+text``),
    hub_id, revision (a 40-hex commit, or ``main`` with ``revision_pinned: false`` and a
    ``revision_note``), revision_pinned, pipeline (a class from :data:`PIPELINE_CLASSES`),
    dtype (a name, or ``{default: …, <component>: …}``), defaults (height, width, frames, fps,
    steps, guidance, optional negative_prompt), frame_rule (``4k+1``, ``8k+1``, ``any`` …),
    size_multiple, memory (cpu_offload ``none|model|sequential``, vae_tiling, vae_slicing),
    licence, params, vram_gb, trust_remote_code, notes.  Optional: components (extra
    repositories such as AnimateDiff's motion adapter), scheduler (class + config overrides),
    call (fixed extra pipeline arguments), max_frames, deprecated, revision_source,
    date_reviewed, needs (packages, tokenizer kinds, repository files: checked offline by
    ``bench doctor --model``), defaults_sources (where each default comes from), decode_tiles
    (a VAE that decodes only some sizes / frame counts).  See :mod:`.needs`.

``kind: closed`` (scored by ``bench import``; access ``api`` or ``unreleased``)
    id, name, developer, version, access, date_reviewed, facts_as_of, input, native_audio
    (true/false/``unknown``), typical_duration, typical_resolution, provenance_signals (a list
    or ``unknown``), availability, sources, notes.  Facts come from the cited sources only;
    what they do not say is written ``unknown``.

A broken card raises ``UserError("models/x.yaml: field 'y': problem")`` (one line).

Frame-count rules.  ``Nk+r`` means the pipeline's VAE compresses time by N and keeps one extra
frame, so valid counts are ``N*k + r`` for k >= 1 (``4k+1``: 5, 9, …, 81).  ``any`` accepts every
count >= 2 (up to ``max_frames`` when set).  How a request that breaks the rule is handled is a
setting (``frame_policy``): ``round`` (default) takes the nearest valid count (ties round up)
and records the change in the video's provenance; ``error`` refuses with a one-line message.
Heights and widths follow ``size_multiple`` the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.errors import UserError
from bench.generators.diffusion import needs as _needs

MODELS_DIR = Path(__file__).resolve().parents[3] / "models"

#: Pipeline classes a card may name (checked when the card loads, so a typo fails at once,
#: not at generation time).  Each must exist in ``diffusers``; the adapter looks it up there.
PIPELINE_CLASSES = (
    "WanPipeline", "WanImageToVideoPipeline",
    "CogVideoXPipeline", "CogVideoXImageToVideoPipeline",
    "LTXPipeline", "LTXImageToVideoPipeline",
    "HunyuanVideoPipeline", "HunyuanVideoImageToVideoPipeline",
    "MochiPipeline", "AllegroPipeline",
    "AnimateDiffPipeline", "TextToVideoSDPipeline",
    "SkyReelsV2Pipeline", "SkyReelsV2ImageToVideoPipeline", "SkyReelsV2DiffusionForcingPipeline",
    # the newest open models (diffusers 0.42)
    "LTX2Pipeline", "HunyuanVideo15Pipeline", "Kandinsky5T2VPipeline", "Cosmos2VideoToWorldPipeline",
    "SanaVideoPipeline",
)
#: Pipeline classes that take a first frame (``input: image+text``).
IMAGE_PIPELINES = {"WanImageToVideoPipeline", "CogVideoXImageToVideoPipeline", "LTXImageToVideoPipeline",
                   "HunyuanVideoImageToVideoPipeline", "SkyReelsV2ImageToVideoPipeline",
                   "Cosmos2VideoToWorldPipeline"}
#: Extra component classes a card may load from another repository.
COMPONENT_CLASSES = ("MotionAdapter", "AutoencoderKL", "AutoencoderKLWan", "CLIPVisionModel")
#: Scheduler classes a card may swap in (``scheduler: {class: …, config: {…}}``).
SCHEDULER_CLASSES = ("UniPCMultistepScheduler", "FlowMatchEulerDiscreteScheduler", "DDIMScheduler",
                     "EulerDiscreteScheduler", "DPMSolverMultistepScheduler", "CogVideoXDPMScheduler",
                     "CogVideoXDDIMScheduler", "LCMScheduler")
DTYPES = ("float32", "float16", "bfloat16")
ACCESS_OPEN = ("open-weights",)
ACCESS_CLOSED = ("api", "unreleased")
INPUTS = ("text", "image+text")
OFFLOAD = ("none", "model", "sequential")

_SHA = re.compile(r"^[0-9a-f]{40}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_HUB = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_RULE = re.compile(r"^(?:(?P<m>[1-9][0-9]*)k(?:\+(?P<r>[0-9]+))?|any)$")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


# --------------------------------------------------------------------------- frame rules


@dataclass(frozen=True)
class FrameRule:
    """Valid frame counts ``m*k + r`` (k >= 1), or any count >= 2 when ``m == 1 and r == 0``."""

    m: int
    r: int
    text: str
    max_frames: int | None = None

    @classmethod
    def parse(cls, text: str, max_frames: int | None = None) -> "FrameRule":
        mt = _RULE.match(str(text).strip())
        if not mt:
            raise ValueError(f"frame rule {text!r} is not 'Nk+r', 'Nk' or 'any'")
        if text == "any":
            return cls(1, 0, "any", max_frames)
        return cls(int(mt["m"]), int(mt["r"] or 0), str(text), max_frames)

    def valid(self, n: int) -> bool:
        if n < 2 or (self.max_frames is not None and n > self.max_frames):
            return False
        return n >= self.m + self.r and (n - self.r) % self.m == 0

    def nearest(self, n: int) -> int:
        """The valid count closest to ``n`` (ties go up), within [first valid, max_frames]."""
        k = math.floor((n - self.r) / self.m + 0.5)
        k_min = max(1, math.ceil((2 - self.r) / self.m))
        k = max(k, k_min)
        if self.max_frames is not None:
            k = min(k, (self.max_frames - self.r) // self.m)
        return self.m * k + self.r


def nearest_multiple(n: int, m: int) -> int:
    """``n`` rounded to the nearest positive multiple of ``m`` (ties go up)."""
    return max(m, m * math.floor(n / m + 0.5))


# --------------------------------------------------------------------------- card values


@dataclass
class ModelCard:
    """A validated card.  ``raw`` keeps the YAML mapping as read (for ``GeneratorInfo.card``)."""

    id: str
    kind: str                      # diffusers | closed (card files) | tiny (generated by tiny.py)
    name: str
    access: str
    raw: dict[str, Any]
    path: Path | None = None
    # diffusers only -------------------------------------------------------
    hub_id: str = ""
    revision: str = ""
    revision_pinned: bool = False
    pipeline: str = ""
    input: str = "text"
    dtype: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    frame_rule: FrameRule | None = None
    size_multiple: int = 8
    memory: dict[str, Any] = field(default_factory=dict)
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    scheduler: dict[str, Any] | None = None
    call: dict[str, Any] = field(default_factory=dict)
    trust_remote_code: bool = False
    licence: str = ""
    params: str = ""
    vram_gb: float | None = None
    deprecated: str = ""
    #: A local diffusers folder (tiny pipelines); real cards resolve through the weights registry.
    local_path: Path | None = None
    random_weights: bool = False
    #: What loading needs (packages, tokenizer kinds, repository files): see :mod:`.needs`.
    needs: dict[str, Any] = field(default_factory=dict)
    #: Where each default comes from (``defaults_sources``).
    sources: dict[str, str] = field(default_factory=dict)
    #: A VAE that decodes only some sizes / frame counts (Allegro): see ``needs.DecodeTiles``.
    decode_tiles: Any = None

    @property
    def where(self) -> str:
        """What error messages name: the card file, or the generated card of a tiny pipeline."""
        if self.kind == "tiny":
            return f"generated card of {self.id} ({self.local_path})"
        return f"models/{self.id}.yaml" if self.path is None else _rel(self.path)


def _rel(p: Path) -> str:
    try:
        return str(p.relative_to(MODELS_DIR.parent))
    except ValueError:
        return str(p)


# --------------------------------------------------------------------------- validation

_COMMON = {"id", "kind", "name", "developer", "access", "input", "notes", "date_reviewed", "sources"}
_OPEN_REQUIRED = ("id", "kind", "name", "developer", "access", "input", "hub_id", "revision",
                  "revision_pinned", "pipeline", "dtype", "defaults", "frame_rule", "size_multiple",
                  "memory", "licence", "params", "vram_gb", "trust_remote_code", "notes")
_OPEN_OPTIONAL = {"components", "scheduler", "call", "max_frames", "deprecated", "revision_note",
                  "revision_source", "date_reviewed", "sources", "paper", "homepage", "weights",
                  "variant", "allow_patterns", "needs", "defaults_sources", "decode_tiles"}
_CLOSED_REQUIRED = ("id", "kind", "name", "developer", "version", "access", "date_reviewed",
                    "facts_as_of", "input", "native_audio", "typical_duration", "typical_resolution",
                    "provenance_signals", "availability", "sources", "notes")
_CLOSED_OPTIONAL = {"max_duration", "max_resolution", "homepage"}
_DEFAULT_KEYS_REQUIRED = ("height", "width", "frames", "fps", "steps", "guidance")
_DEFAULT_KEYS = set(_DEFAULT_KEYS_REQUIRED) | {"negative_prompt"}
_MEMORY_KEYS = {"cpu_offload", "vae_tiling", "vae_slicing"}


class _Bad(Exception):
    def __init__(self, field_name: str, problem: str):
        super().__init__(f"field {field_name!r}: {problem}")


def _need(raw: dict[str, Any], key: str, types: type | tuple[type, ...], what: str) -> Any:
    if key not in raw:
        raise _Bad(key, "missing")
    v = raw[key]
    if isinstance(v, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise _Bad(key, f"must be {what}, got {v!r}")
    if not isinstance(v, types):
        raise _Bad(key, f"must be {what}, got {type(v).__name__} {v!r}")
    if isinstance(v, str) and not v.strip():
        raise _Bad(key, "must not be empty")
    return v


def _pos_int(d: dict[str, Any], key: str, where: str) -> int:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
        raise _Bad(where, f"{key} must be a positive integer, got {v!r}")
    return v


def parse_card(raw: Any, path: Path | None = None, expect_id: str | None = None) -> ModelCard:
    """Validate one card mapping; ``UserError('models/x.yaml: field …')`` on the first problem."""
    where = _rel(path) if path is not None else f"models/{expect_id or '?'}.yaml"
    try:
        return _parse(raw, path, expect_id)
    except _Bad as e:
        raise UserError(f"{where}: {e}") from None


def _parse(raw: Any, path: Path | None, expect_id: str | None) -> ModelCard:
    if not isinstance(raw, dict):
        raise _Bad("<card>", f"a card must be a YAML mapping, got {type(raw).__name__}")
    cid = _need(raw, "id", str, "a string")
    if not _ID.match(cid):
        raise _Bad("id", f"{cid!r} must be lower-case letters, digits, '.' and '-'")
    if expect_id is not None and cid != expect_id:
        raise _Bad("id", f"{cid!r} does not match the file name ({expect_id}.yaml)")
    kind = _need(raw, "kind", str, "a string")
    if kind == "diffusers":
        return _parse_open(raw, path, cid)
    if kind == "closed":
        return _parse_closed(raw, path, cid)
    raise _Bad("kind", f"{kind!r} is not 'diffusers' or 'closed'")


def _check_keys(raw: dict[str, Any], required: tuple[str, ...], optional: set[str]) -> None:
    for k in required:
        if k not in raw:
            raise _Bad(k, "missing")
    unknown = sorted(set(raw) - set(required) - optional)
    if unknown:
        raise _Bad(unknown[0], "unknown field" + (f" (+{len(unknown) - 1} more)" if len(unknown) > 1 else ""))


def _parse_revision(raw: dict[str, Any], hub_key: str = "") -> tuple[str, bool]:
    pre = f"{hub_key}." if hub_key else ""
    rev = raw.get("revision")
    pinned = raw.get("revision_pinned")
    if not isinstance(rev, str) or not rev:
        raise _Bad(pre + "revision", f"must be a 40-hex commit sha or 'main', got {rev!r}")
    if not isinstance(pinned, bool):
        raise _Bad(pre + "revision_pinned", f"must be true or false, got {pinned!r}")
    if pinned and not _SHA.match(rev):
        raise _Bad(pre + "revision", f"{rev!r} is not a 40-hex commit sha (revision_pinned is true)")
    if not pinned:
        if rev != "main":
            raise _Bad(pre + "revision", f"unpinned revisions must be 'main', got {rev!r}")
        if not hub_key and not str(raw.get("revision_note", "")).strip():
            raise _Bad("revision_note", "required when revision_pinned is false (say why it is not pinned)")
    return rev, pinned


def _parse_dtype(v: Any, key: str = "dtype") -> dict[str, str]:
    if isinstance(v, str):
        v = {"default": v}
    if not isinstance(v, dict) or "default" not in v:
        raise _Bad(key, "must be a dtype name or a mapping with a 'default' entry")
    for comp, dt in v.items():
        if dt not in DTYPES:
            raise _Bad(key, f"{comp}: {dt!r} is not one of {list(DTYPES)}")
    return {str(k): str(x) for k, x in v.items()}


def _parse_open(raw: dict[str, Any], path: Path | None, cid: str) -> ModelCard:
    _check_keys(raw, _OPEN_REQUIRED, _COMMON | _OPEN_OPTIONAL)
    name = _need(raw, "name", str, "a string")
    _need(raw, "developer", str, "a string")
    access = _need(raw, "access", str, "a string")
    if access not in ACCESS_OPEN:
        raise _Bad("access", f"{access!r} must be {ACCESS_OPEN[0]!r} for kind diffusers")
    inp = _need(raw, "input", str, "a string")
    if inp not in INPUTS:
        raise _Bad("input", f"{inp!r} is not one of {list(INPUTS)}")
    hub = _need(raw, "hub_id", str, "a string")
    if not _HUB.match(hub):
        raise _Bad("hub_id", f"{hub!r} is not an 'owner/name' Hugging Face repository id")
    rev, pinned = _parse_revision(raw)
    pipe = _need(raw, "pipeline", str, "a string")
    if pipe not in PIPELINE_CLASSES:
        raise _Bad("pipeline", f"{pipe!r} is not a supported pipeline class ({', '.join(PIPELINE_CLASSES)})")
    if (pipe in IMAGE_PIPELINES) != (inp == "image+text"):
        raise _Bad("input", f"{inp!r} does not fit pipeline {pipe} "
                            f"(image-to-video pipelines take 'image+text', the others 'text')")
    dtype = _parse_dtype(raw["dtype"])
    d = _need(raw, "defaults", dict, "a mapping")
    unknown = sorted(set(d) - _DEFAULT_KEYS)
    if unknown:
        raise _Bad("defaults", f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_DEFAULT_KEYS))})")
    for k in ("height", "width", "frames", "fps", "steps"):
        _pos_int(d, k, "defaults")
    g = d.get("guidance")
    if isinstance(g, bool) or not isinstance(g, (int, float)) or g < 0:
        raise _Bad("defaults", f"guidance must be a number >= 0, got {g!r}")
    if "negative_prompt" in d and not isinstance(d["negative_prompt"], str):
        raise _Bad("defaults", "negative_prompt must be a string")
    max_frames = raw.get("max_frames")
    if max_frames is not None:
        max_frames = _pos_int(raw, "max_frames", "max_frames")
    try:
        rule = FrameRule.parse(_need(raw, "frame_rule", str, "a string"), max_frames)
    except ValueError as e:
        raise _Bad("frame_rule", str(e)) from None
    if not rule.valid(d["frames"]):
        raise _Bad("defaults", f"frames {d['frames']} breaks the card's frame_rule {rule.text}")
    sm = _pos_int(raw, "size_multiple", "size_multiple")
    for k in ("height", "width"):
        if d[k] % sm:
            raise _Bad("defaults", f"{k} {d[k]} is not a multiple of size_multiple {sm}")
    mem = _need(raw, "memory", dict, "a mapping")
    if set(mem) - _MEMORY_KEYS:
        raise _Bad("memory", f"unknown key {sorted(set(mem) - _MEMORY_KEYS)[0]!r} (known: {sorted(_MEMORY_KEYS)})")
    if mem.get("cpu_offload", "none") not in OFFLOAD:
        raise _Bad("memory", f"cpu_offload {mem.get('cpu_offload')!r} is not one of {list(OFFLOAD)}")
    for k in ("vae_tiling", "vae_slicing"):
        if not isinstance(mem.get(k, False), bool):
            raise _Bad("memory", f"{k} must be true or false")
    licence = _need(raw, "licence", str, "a string")
    params = str(_need(raw, "params", (str, int, float), "a string"))
    vram = raw["vram_gb"]
    if vram != "unknown" and (isinstance(vram, bool) or not isinstance(vram, (int, float)) or vram <= 0):
        raise _Bad("vram_gb", f"must be a positive number (approximate GB) or 'unknown', got {vram!r}")
    trc = raw["trust_remote_code"]
    if not isinstance(trc, bool):
        raise _Bad("trust_remote_code", f"must be true or false, got {trc!r}")
    _need(raw, "notes", str, "a string")
    comps: dict[str, dict[str, Any]] = {}
    for cname, c in (raw.get("components") or {}).items():
        key = f"components.{cname}"
        if not isinstance(c, dict):
            raise _Bad(key, "must be a mapping")
        extra = set(c) - {"class", "hub_id", "revision", "revision_pinned", "subfolder", "dtype", "licence",
                          "size", "notes", "weights", "revision_source"}
        if extra:
            raise _Bad(key, f"unknown key {sorted(extra)[0]!r}")
        if c.get("class") not in COMPONENT_CLASSES:
            raise _Bad(key, f"class {c.get('class')!r} is not one of {list(COMPONENT_CLASSES)}")
        if not isinstance(c.get("hub_id"), str) or not _HUB.match(c["hub_id"]):
            raise _Bad(key, f"hub_id {c.get('hub_id')!r} is not an 'owner/name' repository id")
        _parse_revision(c, key)
        if "dtype" in c and c["dtype"] not in DTYPES:
            raise _Bad(key, f"dtype {c['dtype']!r} is not one of {list(DTYPES)}")
        comps[str(cname)] = dict(c)
    sched = raw.get("scheduler")
    if sched is not None:
        if not isinstance(sched, dict) or sched.get("class") not in SCHEDULER_CLASSES:
            raise _Bad("scheduler", f"class must be one of {list(SCHEDULER_CLASSES)}")
        if not isinstance(sched.get("config", {}), dict):
            raise _Bad("scheduler", "config must be a mapping")
    call = raw.get("call") or {}
    if not isinstance(call, dict):
        raise _Bad("call", "must be a mapping of pipeline argument names to values")
    for k, v in call.items():
        if k in ("prompt", "generator", "image", "output_type", "latents"):
            raise _Bad("call", f"{k!r} is set by the adapter, not by a card")
        if not isinstance(v, (str, int, float, bool, type(None), list)):
            raise _Bad("call", f"{k}: values must be plain YAML scalars or lists")
    if "weights" in raw and not (isinstance(raw["weights"], str) and _ID.match(raw["weights"])):
        raise _Bad("weights", f"must be a weights-registry name (lower-case id), got {raw['weights']!r}")
    if "variant" in raw and not (isinstance(raw["variant"], str) and raw["variant"]):
        raise _Bad("variant", f"must be a non-empty string (e.g. fp16, bf16), got {raw['variant']!r}")
    ap = raw.get("allow_patterns", [])
    if not (isinstance(ap, list) and all(isinstance(x, str) and x for x in ap)):
        raise _Bad("allow_patterns", "must be a list of glob patterns (files to download)")
    try:
        needs = _needs.parse_needs(raw.get("needs"))
        sources = _needs.parse_sources(raw.get("defaults_sources"))
        tiles = _needs.parse_decode_tiles(raw.get("decode_tiles"))
    except _needs.NeedsError as e:
        raise _Bad(e.field, str(e)) from None
    if tiles is not None and not (tiles.frames_ok(d["frames"]) and tiles.size_ok(d["height"], 1)
                                  and tiles.size_ok(d["width"], 2)):
        raise _Bad("defaults", f"{d['frames']} frames of {d['width']}x{d['height']} is not fully decodable "
                               f"by the card's decode_tiles")
    dep = raw.get("deprecated", "") or ""
    if not isinstance(dep, str):
        raise _Bad("deprecated", "must be a string saying what is deprecated and what replaces it")
    return ModelCard(
        id=cid, kind="diffusers", name=name, access=access, raw=dict(raw), path=path, hub_id=hub,
        revision=rev, revision_pinned=pinned, pipeline=pipe, input=inp, dtype=dtype, defaults=dict(d),
        frame_rule=rule, size_multiple=sm, memory=dict(mem), components=comps, scheduler=sched,
        call=dict(call), trust_remote_code=trc, licence=licence, params=params,
        vram_gb=None if vram == "unknown" else float(vram), deprecated=dep, needs=needs, sources=sources,
        decode_tiles=tiles)


def _parse_closed(raw: dict[str, Any], path: Path | None, cid: str) -> ModelCard:
    _check_keys(raw, _CLOSED_REQUIRED, _COMMON | _CLOSED_OPTIONAL)
    name = _need(raw, "name", str, "a string")
    for k in ("developer", "version", "typical_duration", "typical_resolution", "availability", "notes"):
        _need(raw, k, str, "a string (write 'unknown' when the sources do not say)")
    access = _need(raw, "access", str, "a string")
    if access not in ACCESS_CLOSED:
        raise _Bad("access", f"{access!r} is not one of {list(ACCESS_CLOSED)} for kind closed")
    for k in ("date_reviewed", "facts_as_of"):
        v = raw[k]
        if not isinstance(v, str) or not _DATE.match(v):
            # YAML reads an unquoted 2026-06-16 as a date: ask for a quoted string
            raise _Bad(k, f"must be a quoted 'YYYY-MM-DD' (or 'YYYY-MM') string, got {v!r}")
    inp = _need(raw, "input", str, "a string")
    if inp not in INPUTS:
        raise _Bad("input", f"{inp!r} is not one of {list(INPUTS)}")
    na = raw["native_audio"]
    if not (isinstance(na, bool) or na == "unknown"):
        raise _Bad("native_audio", f"must be true, false or 'unknown', got {na!r}")
    ps = raw["provenance_signals"]
    if not (ps == "unknown" or (isinstance(ps, list) and ps and all(isinstance(x, str) and x for x in ps))):
        raise _Bad("provenance_signals", "must be a non-empty list of strings or 'unknown'")
    src = raw["sources"]
    if not (isinstance(src, list) and src and all(isinstance(x, str) and x.strip() for x in src)):
        raise _Bad("sources", "must be a non-empty list of strings (where each fact comes from)")
    return ModelCard(id=cid, kind="closed", name=name, access=access, raw=dict(raw), path=path, input=inp)


# --------------------------------------------------------------------------- loading


def load_card_file(path: str | Path) -> ModelCard:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise UserError(f"{_rel(path)}: cannot read card ({e.strerror})") from None
    try:
        from bench.safeio import yaml_load

        raw = yaml_load(text, _rel(path))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        raise UserError(f"{_rel(path)}{at}: invalid YAML ({getattr(e, 'problem', None) or e})") from None
    return parse_card(raw, path, expect_id=path.stem)


@dataclass
class CardSet:
    """Every card in a folder: the valid ones by id, and the first error of each broken file."""

    cards: dict[str, ModelCard]
    errors: dict[str, str]           # file stem -> one-line error

    def get(self, cid: str) -> ModelCard | None:
        if cid in self.errors:
            raise UserError(self.errors[cid])
        return self.cards.get(cid)

    def raise_errors(self) -> None:
        if self.errors:
            first = sorted(self.errors)[0]
            more = len(self.errors) - 1
            raise UserError(self.errors[first] + (f" (+{more} more broken cards)" if more else ""))


def load_cards(models_dir: str | Path | None = None) -> CardSet:
    """Load every ``*.yaml`` card of ``models_dir`` (default ``models/``)."""
    d = Path(models_dir) if models_dir is not None else MODELS_DIR
    cards: dict[str, ModelCard] = {}
    errors: dict[str, str] = {}
    for p in sorted(d.glob("*.yaml")):
        try:
            c = load_card_file(p)
        except UserError as e:
            errors[p.stem] = str(e)
            continue
        cards[c.id] = c
    return CardSet(cards, errors)


_CACHE: CardSet | None = None


def cards() -> CardSet:
    """The cards of ``models/``, loaded once per process."""
    global _CACHE
    if _CACHE is None:
        _CACHE = load_cards()
    return _CACHE
