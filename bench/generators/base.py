"""The generator contract: given a probe, a seed and settings, return a ``Video``.

All generators (the oracle world and its variants, diffusers pipelines from model cards,
tiny locally built pipelines, imported closed-model videos) share this interface, so the
runner, scorer and leaderboard treat them alike.

Families are registered by explicit name with ``@GENERATORS.register(name)``; a family's
factory takes the full model name (e.g. ``oracle+vanish:0.5``) and returns a ``Generator``.
``resolve(name)`` finds the family: the exact name, else the part before the first ``+`` or
``~`` (oracle variants), else a model card id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from bench.errors import UserError
from bench.registry import Registry
from bench.video import Video


@dataclass
class GeneratorInfo:
    """What ``bench models`` shows and a leaderboard's provenance needs."""

    name: str
    kind: str                       # oracle | diffusers | tiny | import | synthetic
    access: str                     # local | open-weights | api | unreleased
    description: str = ""
    revision: str = ""              # model revision (commit hash / version string)
    size: str = ""                  # parameters / approximate memory
    licence: str = ""
    card: dict[str, Any] = field(default_factory=dict)


class Generator:
    """Base class.  ``generate`` must be deterministic in (probe, seed, settings)."""

    info: GeneratorInfo

    def available(self) -> tuple[bool, str]:
        """(True, "") if it can run here, else (False, why and how to enable it)."""
        return True, ""

    def supports(self, probe: dict[str, Any]) -> tuple[bool, str]:
        """Whether this generator can make a video for ``probe`` (e.g. the oracle needs a
        ``scene``; an image-to-video model needs a first frame).  Unsupported jobs are recorded
        in the manifest as skipped with the reason, never silently dropped."""
        return True, ""

    def default_settings(self) -> dict[str, Any]:
        """Settings used when the config gives none (frames, size, fps, steps, ...)."""
        return {}

    def generate(self, probe: dict[str, Any], seed: int, settings: dict[str, Any]) -> Video:
        """Return uint8 frames + fps.

        ``video.provenance`` must hold ``params`` (every setting actually used) and may hold
        ``revision`` and ``artifacts``: ``{suffix: bytes}`` files the store writes beside the
        video as ``<video stem>.<suffix>`` (the oracle's ground truth: ``truth.npz``,
        ``truth.json``).
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release memory (GPU pipelines)."""


Factory = Callable[[str], Generator]
GENERATORS: Registry[Factory] = Registry("generator family")

#: Extra resolvers (model cards register one) tried in order when no family name matches.
_RESOLVERS: list[Callable[[str], Generator | None]] = []


def add_resolver(fn: Callable[[str], Generator | None]) -> None:
    _RESOLVERS.append(fn)


#: Functions that list the model names a family offers (for ``bench models``).
_LISTERS: list[Callable[[], list[str]]] = []


def add_lister(fn: Callable[[], list[str]]) -> None:
    _LISTERS.append(fn)


def list_models() -> list[str]:
    """Every model name the registered families offer (cards, oracle variants, tiny pipelines)."""
    from bench import plugins

    plugins.load()
    names: list[str] = []
    for fn in _LISTERS:
        names.extend(fn())
    for fam in GENERATORS.names():
        if fam not in names and not any(n.startswith(fam) for n in names):
            names.append(fam)
    return names


def resolve(name: str) -> Generator:
    """The generator for a model name, or a ``UserError`` listing what exists."""
    from bench import plugins

    plugins.load()
    if name in GENERATORS:
        return GENERATORS.get(name)(name)
    for sep in ("+", "~"):
        if sep in name:
            base = name.split(sep, 1)[0]
            if base in GENERATORS:
                return GENERATORS.get(base)(name)
    for fn in _RESOLVERS:
        g = fn(name)
        if g is not None:
            return g
    known = ", ".join(GENERATORS.names())
    raise UserError(f"unknown model {name!r} (families: {known}; see `bench models`)")
