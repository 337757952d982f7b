"""One document, two renderings: Markdown and a self-contained HTML page.

The leaderboard is built as a list of blocks (heading, paragraph, list, table, image) and
rendered by ``to_markdown`` and ``to_html``, so the two files always say the same thing.
All text that can come from users or data (model names, prompts, reasons, metric ids) is
escaped with ``html.escape`` in HTML (and ``<``, ``>``, ``&``, ``|`` in Markdown).  Only text the
report writes itself (``trusted=True``) may use ``**bold**`` and ``` `code` ```.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from bench import textsafe

MISSING = "—"


@dataclass
class Block:
    kind: str                      # h | p | ul | table | img
    text: str = ""
    level: int = 2
    trusted: bool = False
    items: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None
    src: str = ""                  # image path relative to the output folder
    cls: str = ""


def H(text: str, level: int = 2) -> Block:
    return Block("h", text=text, level=level)


def P(text: str, trusted: bool = False, cls: str = "") -> Block:
    return Block("p", text=text, trusted=trusted, cls=cls)


def UL(items: list[str], trusted: bool = False) -> Block:
    return Block("ul", items=list(items), trusted=trusted)


def TABLE(df: pd.DataFrame, text: str = "") -> Block:
    return Block("table", table=df, text=text)


def IMG(src: str, caption: str) -> Block:
    return Block("img", src=src, text=caption)


# --------------------------------------------------------------------------- markdown


def _md_text(s: Any, trusted: bool = False) -> str:
    """Untrusted text through ``bench.textsafe.md`` (no links, HTML, emphasis, math, new blocks)."""
    t = MISSING if s is None or (isinstance(s, float) and s != s) else str(s)
    return html.escape(t, quote=False) if trusted else textsafe.md(t)


def _md_cell(s: Any) -> str:
    return _md_text(s)


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind == "h":
            out.append("#" * b.level + " " + _md_text(b.text))
        elif b.kind == "p":
            out.append(_md_text(b.text, b.trusted))
        elif b.kind == "ul":
            out.append("\n".join("- " + _md_text(i, b.trusted) for i in b.items))
        elif b.kind == "table":
            df = b.table
            if b.text:
                out.append(_md_text(b.text, True))
            if df is None or not len(df):
                out.append("_(none)_")
                continue
            lines = ["| " + " | ".join(_md_cell(c) for c in df.columns) + " |",
                     "|" + "|".join(" --- " for _ in df.columns) + "|"]
            for row in df.itertuples(index=False):
                lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
            out.append("\n".join(lines))
        elif b.kind == "img":
            alt = _md_cell(b.text).replace("[", r"\[").replace("]", r"\]")
            out.append(f"![{alt}]({b.src})\n\n_{_md_text(b.text)}_")
        else:  # pragma: no cover
            raise ValueError(f"unknown block {b.kind!r}")
    return "\n\n".join(out) + "\n"


# --------------------------------------------------------------------------- html

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
h3{font-size:1.1em}
table{border-collapse:collapse;margin:.6em 0;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}tr:nth-child(even) td{background:#fafafa}
figure{margin:1em 0}img{max-width:100%;border:1px solid #eee}figcaption{font-size:.85em;color:#555}
.warn{background:#fff6e0;border-left:4px solid #e0a000;padding:.4em .8em}
code{background:#f3f3f3;padding:0 .2em}
"""


def _html_text(s: Any, trusted: bool = False) -> str:
    t = MISSING if s is None or (isinstance(s, float) and s != s) else str(s)
    t = html.escape(t, quote=True) if trusted else textsafe.html_text(t)
    if trusted:
        t = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", t)
        t = re.sub(r"`(.+?)`", r"<code>\1</code>", t)
    return t


def _img_src(src: str, base: Path | None, embed: bool) -> str:
    if embed and base is not None:
        data = (base / src).read_bytes()
        return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return html.escape(src, quote=True)


def to_html(blocks: list[Block], *, title: str, base: Path | None = None, embed_images: bool = False) -> str:
    """A complete HTML page.  Images are referenced relative to the page (or embedded as base64)."""
    body: list[str] = []
    for b in blocks:
        if b.kind == "h":
            body.append(f"<h{b.level}>{_html_text(b.text)}</h{b.level}>")
        elif b.kind == "p":
            cls = f' class="{html.escape(b.cls, quote=True)}"' if b.cls else ""
            body.append(f"<p{cls}>{_html_text(b.text, b.trusted)}</p>")
        elif b.kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_html_text(i, b.trusted)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "table":
            if b.text:
                body.append(f"<p>{_html_text(b.text, True)}</p>")
            df = b.table
            if df is None or not len(df):
                body.append("<p><em>(none)</em></p>")
                continue
            head = "".join(f"<th>{_html_text(c)}</th>" for c in df.columns)
            rows = "".join("<tr>" + "".join(f"<td>{_html_text(v)}</td>" for v in row) + "</tr>"
                           for row in df.itertuples(index=False))
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif b.kind == "img":
            body.append(f'<figure><img src="{_img_src(b.src, base, embed_images)}" alt="{_html_text(b.text)}">'
                        f"<figcaption>{_html_text(b.text)}</figcaption></figure>")
        else:  # pragma: no cover
            raise ValueError(f"unknown block {b.kind!r}")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_html_text(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")
