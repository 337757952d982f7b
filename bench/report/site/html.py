"""HTML pieces of the results site: escaping, the page frame, tables, and the static assets.

Every piece of user text (model names, probe ids, prompts, reasons, file names, run ids) goes
through ``esc`` (``html.escape`` with quotes) before it reaches a page; attribute values are
always double-quoted.  Links are built from ``slug``s (``[A-Za-z0-9._-]`` plus a hash), so a
hostile model name can neither break out of an attribute nor point a link elsewhere.

Why a hand-written script (``SITE_JS``) rather than a table library: the site must open from
``file://`` with no network and no build step; sorting a table by a clicked header and
filtering its rows by a few columns is ~60 lines of plain DOM code, reads no user text back
into HTML (``textContent`` only), and needs no dependency to vendor, audit or update.
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any, Iterable, Sequence

MISSING = "—"


def esc(x: Any) -> str:
    """HTML-escaped text (``&``, ``<``, ``>``, ``"``, ``'``); ``None`` becomes the empty string."""
    from bench.textsafe import html_text  # control characters made visible too

    return "" if x is None else html_text(x)


def slug(s: Any, n: int = 48) -> str:
    """A file-name and anchor safe id for ``s``: readable prefix plus 8 hex digits of its sha1.

    Distinct inputs give distinct slugs (``oracle+vanish:1.0`` vs ``oracle+vanish_1.0``)."""
    s = str(s)
    head = re.sub(r"[^A-Za-z0-9._-]+", "_", s)[:n].strip("._-") or "x"
    return f"{head}-{hashlib.sha1(s.encode('utf-8')).hexdigest()[:8]}"


def md_inline(text: str) -> str:
    """Escape ``text``, then render the reading guide's ``**bold**`` and ```code``` marks."""
    t = esc(text)
    t = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", t)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", t)


class Raw(str):
    """Markup already built (escaped) by this module; ``cell`` passes it through unchanged."""


def link(href: str, text: Any, cls: str | None = None) -> Raw:
    c = f' class="{esc(cls)}"' if cls else ""
    return Raw(f'<a href="{esc(href)}"{c}>{esc(text)}</a>')


def verdict_badge(v: Any) -> Raw:
    v = MISSING if v is None or (isinstance(v, float) and v != v) else str(v)
    cls = {"pass": "pass", "fail": "fail", "setup_failed": "setup"}.get(v, "other")
    return Raw(f'<span class="v {cls}">{esc(v)}</span>')


def rate_cell(text: Any) -> Raw | Any:
    """A formatted rate ``"30.7% [25.4, 38.1] †"``: estimate in bold, interval small, and a bar of
    the estimate (CSS classes ``w0``..``w20``, 5% steps: the pages allow no inline styles)."""
    if not isinstance(text, str):
        return text
    m = re.match(r"^(\S+) \[([^\]]*)\](.*)$", text)
    if not m:
        return text
    pct = re.match(r"^(\d+(?:\.\d+)?)%$", m.group(1))
    bar = (f'<span class="bar"><span class="w{min(20, max(0, round(float(pct.group(1)) / 5)))}"></span></span>'
           if pct else "")
    return Raw(f'<span class="est">{esc(m.group(1))}</span> <span class="ci">[{esc(m.group(2))}]</span>'
               f"{esc(m.group(3))}{bar}")


def cell(x: Any) -> str:
    if isinstance(x, Raw):
        return str(x)
    if x is None or (isinstance(x, float) and x != x):
        return MISSING
    return esc(x)


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, caption: str | None = None,
          filters: Sequence[str] = (), sort_values: Sequence[Sequence[Any]] | None = None,
          cls: str = "", table_id: str | None = None) -> str:
    """A sortable table; ``filters`` names columns the reader can filter by (drop-downs built by
    ``SITE_JS`` from the column's values); ``sort_values[i][j]`` overrides a cell's sort key."""
    rows = list(rows)
    filt = [c for c in filters if c in columns]
    attrs = f' data-filters="{esc("|".join(filt))}"' if filt else ""
    tid = f' id="{esc(table_id)}"' if table_id else ""
    out = [f'<table class="sortable {esc(cls)}"{tid}{attrs}>']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col" tabindex="0">{esc(c)}</th>' for c in columns)
               + "</tr></thead><tbody>")
    for i, r in enumerate(rows):
        tds = []
        for j, x in enumerate(r):
            sv = sort_values[i][j] if sort_values is not None else None
            a = f' data-v="{esc(sv)}"' if sv is not None and not (isinstance(sv, float) and sv != sv) else ""
            tds.append(f"<td{a}>{cell(x)}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


NAV = (("index.html", "Summary"), ("models.html", "Models"), ("probes.html", "Probes"),
       ("compare.html", "Compare"), ("validity.html", "Validity"))

# 'self' and file: so the same policy holds on a static host and from the file system; no
# connect-src: the pages never fetch anything.
CSP = ("default-src 'none'; script-src 'self' file:; style-src 'self' file:; img-src 'self' file: data:; "
       "media-src 'self' file: blob:; base-uri 'none'; form-action 'none'")


def page(title: str, body: str, *, depth: int = 0, scripts: Sequence[str] = (), current: str = "") -> str:
    """A complete HTML page; ``depth`` is how many folders below the site root the page lives."""
    up = "../" * depth
    cur = ' aria-current="page"'
    nav = " ".join(f'<a href="{up}{h}"{cur if h == current else ""}>{esc(t)}</a>' for h, t in NAV)
    js = "".join(f'<script src="{up}{esc(s)}" defer></script>' for s in ("assets/site.js", *scripts))
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
            f'<meta name="referrer" content="no-referrer">'
            f"<title>{esc(title)} · bench</title>"
            f'<link rel="stylesheet" href="{up}assets/site.css">{js}</head>\n'
            f'<body><header><a class="brand" href="{up}index.html">bench</a><nav>{nav}</nav></header>\n'
            f"<main>\n{body}\n</main>\n<footer>Static site written by <code>bench report</code>; "
            f"no server, no network requests. Tables sort when a header is clicked.</footer></body></html>\n")


SITE_CSS = """
:root { --fg:#1d2430; --muted:#5b6573; --line:#d9dee5; --bg:#fff; --soft:#f5f7fa; --acc:#1f5fbf;
        --pass:#1a7f37; --fail:#c62828; --setup:#b26a00; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:1.5rem; align-items:baseline; padding:.7rem 1.5rem; border-bottom:1px solid var(--line); background:var(--soft); }
header .brand { font-weight:700; font-size:1.1rem; color:var(--fg); text-decoration:none; }
header nav a { margin-right:1rem; color:var(--acc); text-decoration:none; }
header nav a[aria-current=page] { font-weight:600; color:var(--fg); }
main { max-width:1360px; margin:0 auto; padding:1rem 1.5rem 3rem; }
footer { color:var(--muted); font-size:.8rem; padding:1rem 1.5rem; border-top:1px solid var(--line); }
h1 { font-size:1.5rem; margin:.6rem 0 .3rem; } h2 { font-size:1.2rem; margin:1.6rem 0 .5rem; }
h3 { font-size:1rem; margin:0 0 .4rem; word-break:break-word; }
a { color:var(--acc); }
.lead { color:var(--muted); margin:.2rem 0 1rem; max-width:70rem; }
.note { background:#fff8e1; border-left:3px solid #e0a800; padding:.4rem .7rem; margin:.4rem 0; font-size:.9rem; }
.kpis { display:flex; flex-wrap:wrap; gap:.8rem; margin:.8rem 0; }
.kpi { border:1px solid var(--line); border-radius:6px; padding:.5rem .8rem; min-width:9rem; background:var(--soft); }
.kpi b { display:block; font-size:1.3rem; }
table { border-collapse:collapse; margin:.4rem 0 1rem; font-size:.88rem; width:auto; max-width:100%; }
caption { text-align:left; color:var(--muted); padding:.2rem 0; caption-side:top; }
th, td { border-bottom:1px solid var(--line); padding:.3rem .55rem; text-align:left; vertical-align:top; }
th { background:var(--soft); position:sticky; top:0; white-space:nowrap; }
table.sortable th { cursor:pointer; user-select:none; }
table.sortable th[aria-sort=ascending]::after { content:" ▲"; } table.sortable th[aria-sort=descending]::after { content:" ▼"; }
tbody tr:hover { background:#f0f4fa; }
td.reason, td:last-child { word-break:break-word; }
.v { display:inline-block; padding:0 .4rem; border-radius:3px; font-size:.8rem; font-weight:600; color:#fff; background:#777; }
.v.pass { background:var(--pass); } .v.fail { background:var(--fail); } .v.setup { background:var(--setup); }
.filters { display:flex; flex-wrap:wrap; gap:.6rem; align-items:center; margin:.6rem 0 .2rem; font-size:.85rem; }
.filters select, .filters input { font:inherit; padding:.15rem .3rem; }
details { margin:1rem 0; } details > summary { cursor:pointer; font-weight:600; font-size:1.05rem; }
.cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(520px, 1fr)); gap:1rem; }
.card { border:1px solid var(--line); border-radius:8px; padding:.7rem; background:#fff; }
.card.failed { border-left:4px solid var(--fail); } .card.passed { border-left:4px solid var(--pass); }
.card:target { outline:3px solid var(--acc); }
.media { display:flex; gap:.6rem; align-items:flex-start; flex-wrap:wrap; }
.media video, .media img.anim { width:192px; height:auto; image-rendering:pixelated; background:#000; border-radius:4px; }
img.strip { max-width:100%; height:auto; image-rendering:pixelated; border-radius:4px; }
.meta { font-size:.82rem; color:var(--muted); margin:.3rem 0; } .meta code { color:var(--fg); }
.prompt { font-style:italic; margin:.3rem 0; }
.small { font-size:.8rem; color:var(--muted); }
table.heat td.h { text-align:center; min-width:3.2rem; font-variant-numeric:tabular-nums; }
table.heat td.h a { color:inherit; text-decoration:none; display:block; }
.h0{background:#f7fbff}.h1{background:#deebf7}.h2{background:#c6dbef}.h3{background:#9ecae1}.h4{background:#6baed6}
.h5{background:#4292c6;color:#fff}.h6{background:#2171b5;color:#fff}.h7{background:#08519c;color:#fff}
.h8{background:#08306b;color:#fff}.hn{background:#eee;color:#999}
.r0{background:#fff}.r1{background:#fde0dd}.r2{background:#fcbba1}.r3{background:#fc9272}.r4{background:#ef3b2c;color:#fff}
.cmp { display:grid; grid-template-columns:1fr 1fr; gap:1rem; } .cmp video { width:100%; max-width:420px; image-rendering:pixelated; background:#000; }
.pick { display:flex; gap:.8rem; flex-wrap:wrap; margin:.6rem 0; } .pick label { font-size:.85rem; }
code { font-size:.85em; }
.est { font-weight:600; } .ci { color:var(--muted); font-size:.8em; white-space:nowrap; }
.bar { display:block; height:4px; background:#e7ebf0; border-radius:2px; margin-top:2px; max-width:9rem; }
.bar > span { display:block; height:4px; background:var(--acc); border-radius:2px; }
""" + "".join(f".w{i}{{width:{5 * i}%}}" for i in range(21)) + """
table.sortable td:last-child { min-width:16rem; }
.scroll { overflow-x:auto; max-width:100%; }
table.heat { font-size:.8rem; } table.heat th { white-space:normal; vertical-align:bottom; }
table.heat td.tg { box-shadow: inset 0 0 0 2px #e0a800; }
"""

SITE_JS = r"""
// bench results site: click a header to sort; drop-downs filter rows.  Hand-written on purpose
// (see bench/report/site/html.py): no dependency, works from file://, reads text, never HTML.
(function () {
  'use strict';
  function key(td) {
    var v = td.hasAttribute('data-v') ? td.getAttribute('data-v') : td.textContent.trim();
    if (v === '' || v === '\u2014') return [2, 0];                       // missing: always last
    var m = /^[+\-\u2212]?\d+(\.\d+)?(e[+\-]?\d+)?/i.exec(v.replace('\u2212', '-'));
    return m && m[0].length > 0 ? [0, parseFloat(m[0])] : [1, v.toLowerCase()];
  }
  function sortBy(table, th) {
    var idx = th.cellIndex, asc = th.getAttribute('aria-sort') !== 'ascending';
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var a = key(r1.cells[idx]), b = key(r2.cells[idx]);
      if (a[0] !== b[0]) return a[0] - b[0];
      var c = a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function addFilters(table) {
    var names = (table.getAttribute('data-filters') || '').split('|').filter(Boolean);
    if (!names.length) return;
    var heads = Array.prototype.map.call(table.tHead.rows[0].cells, function (c) { return c.textContent; });
    var bar = document.createElement('div'); bar.className = 'filters';
    var sels = [], count = document.createElement('span'); count.className = 'small';
    function apply() {
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        var ok = sels.every(function (s) { return !s.sel.value || r.cells[s.idx].textContent.trim() === s.sel.value; });
        r.hidden = !ok; if (ok) shown++;
      });
      count.textContent = shown + ' of ' + table.tBodies[0].rows.length + ' rows';
    }
    names.forEach(function (n) {
      var idx = heads.indexOf(n); if (idx < 0) return;
      var vals = {};
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) { vals[r.cells[idx].textContent.trim()] = 1; });
      var lab = document.createElement('label'); lab.textContent = n + ' ';
      var sel = document.createElement('select'); sel.add(new Option('all', ''));
      Object.keys(vals).sort().forEach(function (v) { sel.add(new Option(v, v)); });
      sel.addEventListener('change', apply); lab.appendChild(sel); bar.appendChild(lab);
      sels.push({ idx: idx, sel: sel });
    });
    bar.appendChild(count); table.parentNode.insertBefore(bar, table); apply();
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (t) {
      addFilters(t);
      Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th) {
        th.addEventListener('click', function () { sortBy(t, th); });
        th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sortBy(t, th); });
      });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
"""

COMPARE_JS = r"""
// Side-by-side view: two models on the same probe and seed.  Data: assets/videos.js (a script,
// since file:// pages cannot fetch JSON).  Builds the DOM with textContent only.
(function () {
  'use strict';
  var D = window.BENCH_VIDEOS || { videos: {}, models: [], probes: [] };
  function $(id) { return document.getElementById(id); }
  function fill(sel, vals, want) {
    while (sel.options.length) sel.remove(0);
    vals.forEach(function (v) { sel.add(new Option(v, v)); });
    if (want !== null && vals.indexOf(want) >= 0) sel.value = want;
  }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function pane(box, model, probe, sample) {
    while (box.firstChild) box.removeChild(box.firstChild);
    box.appendChild(el('h3', model));
    var v = D.videos[model + '\u0000' + probe + '\u0000' + sample];
    if (!v) { box.appendChild(el('p', 'No video of this model for this probe and sample.', 'small')); return; }
    if (v.video) { var vid = document.createElement('video'); vid.controls = true; vid.muted = true; vid.loop = true;
      vid.playsInline = true; vid.preload = 'metadata'; vid.src = v.video; box.appendChild(vid); }
    else if (v.anim) { var im = document.createElement('img'); im.src = v.anim; im.alt = 'animation'; im.className = 'anim'; box.appendChild(im); }
    else box.appendChild(el('p', 'Preview not included in the site (media budget).', 'small'));
    if (v.strip) { var s = document.createElement('img'); s.src = v.strip; s.alt = 'frame strip'; s.className = 'strip'; box.appendChild(s); }
    box.appendChild(el('p', 'seed ' + v.seed, 'meta'));
    var t = document.createElement('table'), h = t.insertRow();
    ['Check', 'Verdict', 'Reason'].forEach(function (x) { h.appendChild(el('th', x)); });
    v.checks.forEach(function (c) { var r = t.insertRow(); r.insertCell().textContent = c[0];
      var b = el('span', c[1], 'v ' + ({ pass: 'pass', fail: 'fail', setup_failed: 'setup' }[c[1]] || 'other'));
      r.insertCell().appendChild(b); r.insertCell().textContent = c[2]; });
    box.appendChild(t);
    var a = el('a', 'open on its model page'); a.href = v.page; box.appendChild(a);
  }
  function render() {
    var p = $('probe').value, s = $('sample').value;
    pane($('pa'), $('a').value, p, s); pane($('pb'), $('b').value, p, s);
    var q = '?a=' + encodeURIComponent($('a').value) + '&b=' + encodeURIComponent($('b').value) +
            '&probe=' + encodeURIComponent(p) + '&sample=' + encodeURIComponent(s);
    if (window.history && history.replaceState) { try { history.replaceState(null, '', q); } catch (e) {} }
  }
  function init() {
    var q = new URLSearchParams(location.search);
    fill($('a'), D.models, q.get('a') || D.models[0]);
    fill($('probe'), D.probes, q.get('probe'));
    fill($('sample'), D.samples.map(String), q.get('sample') || '0');
    var has = function (m) { return !!D.videos[m + '\u0000' + $('probe').value + '\u0000' + $('sample').value]; };
    var other = D.models.filter(function (m) { return m !== $('a').value && has(m); })[0] || D.models[0];
    fill($('b'), D.models, q.get('b') || other);
    ['a', 'b', 'probe', 'sample'].forEach(function (id) { $(id).addEventListener('change', render); });
    render();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
"""
