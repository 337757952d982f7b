"""Real generators: model cards (models/*.yaml), the diffusers adapter, tiny local pipelines.

Importing this package (``bench.plugins.load()`` does) registers, without importing torch:

- a resolver: a card id (``wan2.1-t2v-1.3b``, ``sora-2`` …) resolves to a
  :class:`~bench.generators.diffusion.adapter.DiffusersGenerator` (open cards) or a
  :class:`~bench.generators.diffusion.adapter.ClosedModel` (closed cards, scored by import);
- a lister for ``bench models`` (every card, then the tiny pipelines);
- the ``tiny-*`` generator families (:mod:`bench.generators.diffusion.tiny`);
- one weights-registry entry per open card (name = the card's ``weights`` or id), plus one per
  extra component (``<id>.<component>``), so ``bench weights list/fetch`` know them.

A broken card does not break unrelated commands: it is reported, with its one-line error,
when it is resolved or listed (``bench models``).
"""

from __future__ import annotations

from typing import Any

from bench.errors import UserError
from bench.generators import base
from bench.generators.diffusion import cards as _cards
from bench.generators.diffusion import tiny as _tiny
from bench.generators.diffusion.adapter import ClosedModel, DiffusersGenerator

__all__ = ["DiffusersGenerator", "ClosedModel", "card_generator", "tiny_generator"]


def card_generator(name: str) -> base.Generator | None:
    """The generator of model card ``name`` (None if no card has that id)."""
    card = _cards.cards().get(name)  # raises the card's one-line error if its file is broken
    if card is None:
        return None
    return DiffusersGenerator(card) if card.kind == "diffusers" else ClosedModel(card)


def _list_cards() -> list[str]:
    cs = _cards.cards()
    return sorted(set(cs.cards) | set(cs.errors))


def tiny_generator(name: str) -> _tiny.TinyGenerator:
    if name not in _tiny.TINY_MODELS:
        raise UserError(f"unknown tiny pipeline {name!r} (known: {', '.join(_tiny.TINY_MODELS)})")
    return _tiny.TinyGenerator(name)


def register_weights(cardset: _cards.CardSet | None = None) -> list[str]:
    """One weights-registry entry per open card (and per extra component) of ``cardset``
    (default: ``models/``); idempotent.  Returns the names newly registered."""
    try:
        from bench.weights import registry as wreg
    except ImportError:  # no registry in this installation: nothing to register into
        return []
    cs = cardset if cardset is not None else _cards.cards()
    added: list[str] = []
    users: dict[str, list[str]] = {}
    first: dict[str, tuple[Any, str | None]] = {}
    for card in cs.cards.values():
        if card.kind != "diffusers":
            continue
        from bench.generators.diffusion.adapter import component_weights_name, weights_name

        names = [(weights_name(card), None)] + [(component_weights_name(card, c), c) for c in card.components]
        for n, comp in names:
            users.setdefault(n, []).append(card.id)
            first.setdefault(n, (card, comp))
    for n, (card, comp) in sorted(first.items()):
        if comp is None:
            # an unpinned card ('main') fetches the default branch; the registry's lock file
            # records the commit actually fetched
            src, rev, lic = card.hub_id, card.revision if card.revision_pinned else "", card.licence
            desc = f"{card.name}: {card.pipeline} pipeline folder"
            size = f"{card.params} params"
            allow = tuple(card.raw.get("allow_patterns") or ())
        else:
            c = card.components[comp]
            src, lic = c["hub_id"], str(c.get("licence", card.licence))
            rev = c["revision"] if c.get("revision_pinned") else ""
            desc = f"{card.name}: {comp} ({c['class']})"
            size = str(c.get("size", ""))
            allow = ()
        entry = wreg.WeightEntry(name=n, kind="hf_repo", source=src, revision=rev, licence=lic, size=size,
                                 used_by=tuple(sorted(users[n])), description=desc, allow_patterns=allow)
        try:
            wreg.get(n)
            continue  # already registered (a second load in one process)
        except UserError:
            wreg.register(entry)
            added.append(n)
    return added


base.add_resolver(card_generator)
for _name in _tiny.TINY_MODELS:
    base.GENERATORS.add(_name, tiny_generator)
if hasattr(base, "add_lister"):
    base.add_lister(_list_cards)
    base.add_lister(lambda: list(_tiny.TINY_MODELS))
register_weights()
