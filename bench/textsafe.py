"""User text in outputs: Markdown, matplotlib and the terminal.

Model names, probe ids, prompts, reasons, suite and run names come from users (or from files
users wrote) and reach ``leaderboard.md``, ``validity.md``, plots and the terminal.  Each writer
passes them through one of these functions:

- :func:`md` / :func:`md_cell` escape the characters Markdown gives inline meaning to (links
  ``[x](javascript:…)``, emphasis, HTML ``<svg onload=…>``, code spans, math ``$``, table ``|``),
  a leading block marker (``#``, ``>``, ``-``), and fold newlines, so user text can neither start
  a new block (a heading) nor become markup;
- :func:`html_text` (HTML pages): control characters made visible as in :func:`term`, then
  HTML-escaped (:func:`md` does the same to control characters);
- :func:`plain` (plots) escapes ``$`` so matplotlib shows it instead of parsing mathtext (an
  unbalanced ``$`` made ``report`` exit 1);
- :func:`term` replaces control characters (ANSI escape sequences, carriage returns,
  newlines) with visible ``\\xNN`` escapes, so a prompt cannot rewrite the terminal.

Hand-written: CommonMark has no escaping function in the standard library, and the rules here
follow the CommonMark spec's backslash escapes (§2.4), restricted to the characters that can
open markup inside one line, so ordinary text (numbers, intervals) stays readable in the file.
"""

from __future__ import annotations

import html
import re
from typing import Any

#: The characters that make inline markup (emphasis, code, math, tables; a link or image needs
#: ``](`` or ``][``, so that ``]`` is escaped, and a bracketed interval ``[0.3, 0.7]`` stays as
#: written); ``<``/``>``/``&`` are HTML-escaped instead.  Block markup is only possible at the
#: start of a line, and user text never starts one (newlines are folded), except at the very
#: start: a leading heading, quote, list or rule marker (``# ``, ``>``, ``- ``, ``1. ``) is escaped.
_MD_PUNCT = re.compile(r"([\\`*_$|]|\](?=[(\[]))")
_MD_LEAD = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|>|[-+](?=\s|$)|\d{1,9}[.)](?=\s|$)|-{3,}\s*$)")
_CTRL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# in HTML a newline or a tab is only white space (a <pre> block of provenance needs its line breaks)
_CTRL_HTML = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _s(x: Any) -> str:
    return "" if x is None else str(x)


def one_line(x: Any) -> str:
    """Newlines and other line breaks become a visible ``⏎``-free space: one line of text."""
    return re.sub(r"[\r\n\u2028\u2029\x0b\x0c\x85]+", " ", _s(x))


def md(x: Any) -> str:
    """Markdown-inert text: one line, HTML escaped, inline-markup characters backslash-escaped.

    >>> md("[x](javascript:alert(1)) <svg onload=y>")
    '[x\\\\](javascript:alert(1)) &lt;svg onload=y&gt;'
    """
    t = html.escape(term(one_line(x)), quote=False)  # ESC, BEL, C1, bidi overrides made visible
    t = _MD_PUNCT.sub(lambda m: "\\" + m.group(1), t)
    return _MD_LEAD.sub(lambda m: m.group(1) + "\\" + m.group(2), t)


def md_cell(x: Any) -> str:
    """A table cell: as :func:`md` (``|`` is escaped there too)."""
    return md(x)


def html_text(x: Any, quote: bool = True) -> str:
    """Text for an HTML page: control characters (ESC, BEL, other C0/C1, bidi overrides
    U+202A–U+202E and U+2066–U+2069, line separators) shown as ``\\xNN``/``\\uNNNN`` as in
    :func:`term`, then ``html.escape`` (quotes too, so it is safe in attribute values).  Newlines
    and tabs stay: in HTML they are white space, and ``<pre>`` blocks need them."""
    return html.escape(_visible(_CTRL_HTML, _s(x)), quote=quote)


def plain(x: Any) -> str:
    """Text for matplotlib: ``$`` escaped so it is never parsed as mathtext; control characters
    made visible as in :func:`term`."""
    return term(x).replace("$", r"\$")


def term(x: Any) -> str:
    """Text for the terminal: control characters shown as ``\\xNN`` (no escape sequences)."""
    return _visible(_CTRL, _s(x))


def _visible(pattern: re.Pattern[str], s: str) -> str:
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", s)
