"""Tokenizers as the model's own files define them: an override for HunyuanVideo, a check for all.

Why this exists.  A pipeline loads each tokenizer through the class its ``model_index.json`` names
(``LlamaTokenizerFast``, ``T5TokenizerFast`` ...).  In transformers 5 some of those classes rebuild
the tokenizer instead of reading ``tokenizer.json`` as written: ``LlamaTokenizer`` (which
``LlamaTokenizerFast`` now aliases) keeps the vocabulary and merges of a byte-level BPE file but
replaces its pre-tokenizer with a SentencePiece-style ``Metaspace``, so HunyuanVideo's
llava-llama-3 prompts get different token ids, silently.  The reference here is independent of
transformers' class logic: the ``tokenizers`` library reading the same ``tokenizer.json``
(``Tokenizer.from_file``), or ``sentencepiece`` reading the same ``spiece.model``.

- :func:`tokenizer_overrides`: for components of kind ``llama3-bytelevel-bpe``, a tokenizer loaded
  with ``PreTrainedTokenizerFast`` (transformers' plain ``tokenizers`` backend, which uses the file's
  own pre-tokenizer), passed to ``from_pretrained`` in place of the rebuilt one.
- :func:`check_tokenizers`: after loading, every tokenizer of the pipeline encodes a reference
  sentence; the ids must equal the reference's, else the load is refused (``UserError``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.errors import UserError

#: Spaces, capitals, punctuation and digits: where pre-tokenizers differ.
REFERENCE_TEXT = "A red ball falls onto the floor, then rolls 2 m to the left."


def tokenizer_overrides(card: Any, folder: Path) -> dict[str, Any]:
    """Components to pass to ``from_pretrained`` so each tokenizer follows its own files."""
    from transformers import PreTrainedTokenizerFast

    out: dict[str, Any] = {}
    for comp, kind in (card.needs.get("tokenizers") or {}).items():
        sub = folder / comp
        if kind == "llama3-bytelevel-bpe" and (sub / "tokenizer.json").is_file():
            out[comp] = PreTrainedTokenizerFast.from_pretrained(str(sub), local_files_only=True)
    return out


def reference_ids(sub: Path, text: str = REFERENCE_TEXT) -> list[int] | None:
    """Token ids of ``text`` from the tokenizer files in ``sub`` read without transformers'
    tokenizer classes: ``tokenizer.json`` through ``tokenizers.Tokenizer``, else ``spiece.model``
    through ``sentencepiece`` (plus T5's ``</s>``).  None when the folder has neither."""
    tj = sub / "tokenizer.json"
    if tj.is_file():
        from tokenizers import Tokenizer

        return list(Tokenizer.from_file(str(tj)).encode(text).ids)
    sp_file = sub / "spiece.model"
    if sp_file.is_file():
        try:
            import sentencepiece as spm
        except ImportError:
            raise UserError(f"{sub}: reading spiece.model needs the package sentencepiece "
                            f"(pip install sentencepiece protobuf, or pip install -e '.[gpu]')") from None
        sp = spm.SentencePieceProcessor(model_file=str(sp_file))
        return list(sp.encode(text)) + [sp.eos_id()]
    return None


def check_tokenizers(pipe: Any, folder: Path, what: str) -> dict[str, str]:
    """Compare each tokenizer of ``pipe`` with :func:`reference_ids` of its folder.

    Returns component -> ``"ok (N ids)"`` / ``"no reference files"``; raises ``UserError`` on the
    first disagreement (a tokenizer that changed under the model would feed it other tokens)."""
    done: dict[str, str] = {}
    for comp in sorted(getattr(pipe, "components", {}) or {}):
        tok = pipe.components.get(comp)
        if not comp.startswith("tokenizer") or tok is None or not callable(tok):
            continue
        tok = getattr(tok, "tokenizer", tok)   # a processor (Kandinsky 5's Qwen2VLProcessor): its tokenizer
        ref = reference_ids(folder / comp)
        if ref is None:
            done[comp] = "no reference files"
            continue
        got = list(tok(REFERENCE_TEXT).input_ids)
        if got != ref:
            import transformers

            raise UserError(
                f"{what}: {comp} ({type(tok).__name__}, transformers {transformers.__version__}) gives token ids "
                f"{got[:12]}... for a reference sentence, but its own files in {folder / comp} give {ref[:12]}...; "
                f"refusing to run a model on changed prompt tokens")
        done[comp] = f"ok ({len(ref)} ids match the files)"
    return done
