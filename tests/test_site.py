"""The static results site (``bench.report.site``): escaping, links, drill-down, progress lines,
and a headless Chromium that sorts a table, plays a video and sees no network request.

The browser tests need Debian's ``chromium`` (``.ci/run`` installs it) and the ``playwright``
Python package (dev extra; it drives the system Chromium, it downloads nothing); without them
they skip with the reason.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
import yaml

from bench.report.schema import DEFAULT_SCHEMA

HOSTILE = ['<svg onload=alert(1)>', '"><script>alert(2)</script>', "'><img src=x onerror=alert(3)>"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _schema(tmp: Path) -> Path:
    doc = yaml.safe_load(DEFAULT_SCHEMA.read_text())
    doc["statistics"]["n_boot"] = 100
    p = tmp / "schema.yaml"
    p.write_text(yaml.safe_dump(doc))
    return p


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for k in ("href", "src", "poster"):
            if a.get(k):
                self.refs.append(a[k])


def _parse(p: Path) -> _Refs:
    r = _Refs()
    r.feed(p.read_text(encoding="utf-8"))
    return r


def check_links(site: Path) -> int:
    """Every relative link of every page resolves to a file in the site (and its #anchor to an id
    there); no page refers to anything outside the site or on the network.  Returns links checked."""
    pages = {p.resolve(): _parse(p) for p in site.rglob("*.html")}
    n = 0
    for page, refs in pages.items():
        for ref in refs.refs:
            u = urlsplit(ref)
            assert not u.scheme and not u.netloc, f"{page}: non-relative link {ref!r}"
            target = (page.parent / unquote(u.path)).resolve() if u.path else page
            assert target.is_file(), f"{page.relative_to(site.resolve())}: broken link {ref!r}"
            assert target.is_relative_to(site.resolve()), f"{page}: link leaves the site: {ref!r}"
            if u.fragment and target.suffix == ".html":
                assert u.fragment in pages[target].ids, f"{page}: no #{u.fragment} in {target.name}"
            n += 1
    for p in list(site.rglob("*.html")) + list(site.rglob("*.js")) + list(site.rglob("*.css")):
        t = p.read_text(encoding="utf-8")
        assert not re.search(r"https?://|url\(|@import|fetch\(|XMLHttpRequest", t, re.I), f"{p}: may go online"
    return n


# --------------------------------------------------------------------------- hostile text


def test_site_escapes_hostile_names_prompts_and_reasons(tmp_path):
    from bench.report import build_leaderboard
    from bench.report.synthetic import SynthModel, make_run

    models = {"oracle": SynthModel(1.0), HOSTILE[0]: SynthModel(0.5), HOSTILE[1]: SynthModel(0.3)}
    run = make_run(tmp_path / "run", models, probes_per_category=1, samples=1, seed=1, prompt_extra=" " + HOSTILE[2])
    sc = pd.read_parquet(run / "scores.parquet")
    sc["reason"] = [HOSTILE[2] if isinstance(r, str) and r else r for r in sc["reason"]]
    sc.to_parquet(run / "scores.parquet")
    out = tmp_path / "out"
    res = build_leaderboard([run], out, schema=_schema(tmp_path), strips=False)
    site = out / "site"
    assert (site / "index.html").is_file() and any(str(f).startswith(str(site)) for f in res["files"])
    texts = {p: p.read_text(encoding="utf-8") for p in site.rglob("*") if p.suffix in (".html", ".js")}
    for p, t in texts.items():
        for h in HOSTILE:
            assert h not in t, f"{p} carries unescaped {h!r}"
        # no tag other than the site's own can have been injected
        assert not re.search(r"<(svg|img src=x|script>)", t), p
    idx = texts[site / "index.html"]
    assert "&lt;svg onload=alert(1)&gt;" in idx and "&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in idx
    # the data file of the compare view is plain ASCII JSON: '<' is escaped as \u003c
    data = texts[site / "assets" / "videos.js"]
    assert "\\u003csvg" in data or "<svg" not in data
    # file names are slugs: nothing of the hostile names reaches the file system
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", p.name) for p in site.rglob("*"))
    # no MP4 preview in a synthetic run: the card falls back to an animated WebP
    assert list((site / "media").glob("*.webp")) and not list((site / "media").glob("*.mp4"))
    check_links(site)


def test_site_shows_a_world_column_when_the_runs_have_one(tmp_path):
    from bench.report import build_leaderboard
    from bench.report.synthetic import SynthModel, make_run

    run = make_run(tmp_path / "run", {"oracle": SynthModel(1.0), "genA": SynthModel(0.4)}, probes_per_category=2,
                   samples=1, seed=2)
    rows = [json.loads(x) for x in (run / "manifest.jsonl").read_text().splitlines() if x.strip()]
    for i, r in enumerate(rows):
        r["world"] = "3d" if i % 2 else "2d"
    (run / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    val = tmp_path / "validity.csv"
    pd.DataFrame([{"metric": "probe.gravity", "violation": "gravity_reversed", "world": w, "auroc": a,
                   "detection_at_max": a, "valid": True} for w, a in (("2d", 0.9), ("3d", 0.4))]).to_csv(val, index=False)
    out = tmp_path / "out"
    build_leaderboard([run], out, validity_csv=val, schema=_schema(tmp_path), strips=False)
    site = out / "site"
    model = next((site / "models").glob("genA*.html")).read_text()
    assert "<th scope=\"col\" tabindex=\"0\">World</th>" in model and "World|" not in model
    assert 'data-filters="Suite|Category|Check|Verdict|World"' in model
    v = (site / "validity.html").read_text()
    assert "World: 2d" in v and "World: 3d" in v
    check_links(site)


def test_site_reads_no_file_outside_the_run(tmp_path):
    from bench.report import build_leaderboard
    from bench.report.synthetic import SynthModel, make_run

    run = make_run(tmp_path / "run", {"genA": SynthModel(0.5)}, probes_per_category=1, samples=1, seed=3)
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(b"not for the site " * 100)
    rows = [json.loads(x) for x in (run / "manifest.jsonl").read_text().splitlines() if x.strip()]
    for r in rows:
        r["preview"] = "../secret.mp4"
    (run / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    build_leaderboard([run], out, schema=_schema(tmp_path), strips=False)
    assert not list((out / "site").rglob("*.mp4"))                     # the WebP fallback instead
    assert not any(b"not for the site" in p.read_bytes() for p in (out / "site").rglob("*") if p.is_file())


# --------------------------------------------------------------------------- a tiny oracle run


@pytest.fixture(scope="module")
def oracle_site(tmp_path_factory):
    """A real run: the oracle and its vanish violation on 2 permanence probes, scored, reported."""
    from bench.cli import main
    from bench.report import build_leaderboard

    tmp = tmp_path_factory.mktemp("site")
    run = tmp / "run"
    assert main(["generate", "--model", "oracle", "--model", "oracle+vanish:1.0", "--suite", "permanence",
                 "--limit", "2", "--frames", "12", "--size", "64", "--seed", "3", "--run", str(run)]) == 0
    assert main(["score", str(run), "--metrics", "probe.reappearance", "probe.spurious"]) == 0
    val = tmp / "validity.csv"
    pd.DataFrame([{"metric": m, "violation": "vanish", "auroc": 1.0, "detection_at_max": 1.0, "clean_fail_rate": 0.0,
                   "fpr_noise": 0.0, "valid": True} for m in ("probe.reappearance", "probe.spurious")]).to_csv(val, index=False)
    out = tmp / "results"
    build_leaderboard([run], out, validity_csv=val, schema=_schema(tmp), strips=False)
    return out / "site"


def test_site_pages_links_and_two_clicks_to_a_failure(oracle_site):
    site = oracle_site
    for name in ("index.html", "models.html", "probes.html", "compare.html", "validity.html",
                 "assets/site.js", "assets/site.css", "assets/compare.js", "assets/videos.js"):
        assert (site / name).is_file(), name
    assert len(list((site / "media").glob("*.mp4"))) == 4 and len(list((site / "strips").glob("*"))) == 4
    assert check_links(site) > 50
    # click 1: the model's row on the summary; click 2: a failure row on its page -> the video card
    idx = _parse(site / "index.html")
    model_links = [r for r in idx.refs if r.startswith("models/oracle_vanish")]
    assert model_links
    page = site / urlsplit(model_links[0]).path
    text = page.read_text()
    fail_rows = re.findall(r'<td><a href="#(v-[0-9a-f]+)">permanence\.[^<]+</a></td>', text)
    assert fail_rows, "no failure rows linking to videos on the model page"
    card = re.search(rf'<article class="card failed" id="{fail_rows[0]}">(.*?)</article>', text, re.S)
    assert card and "<video" in card.group(1) and "never reappears" in card.group(1)  # video and its reason
    # validity heat map: a cell drills down to the videos behind it
    v = _parse(site / "validity.html")
    cell = [r for r in v.refs if "#vanish" in r][0]
    drill = (site / urlsplit(cell).path).read_text()
    assert "oracle+vanish:1.0" in drill and "fail" in drill and "never reappears" in drill
    data = json.loads((site / "assets/videos.js").read_text().split("=", 1)[1].rstrip().rstrip(";"))
    assert set(data["models"]) == {"oracle", "oracle+vanish:1.0"} and len(data["videos"]) == 4


def test_site_rebuild_replaces_the_folder_atomically(oracle_site, tmp_path):
    from bench.errors import UserError
    from bench.report.site import build_site

    with pytest.raises(UserError, match="media budget"):
        build_site(None, [oracle_site.parent.parent / "run"], tmp_path / "s", media_budget_mb=-1)
    assert not (tmp_path / "s").exists() and not list(tmp_path.glob(".tmp-*"))


# --------------------------------------------------------------------------- progress


def test_progress_lines_off_a_terminal(monkeypatch, capsys):
    from bench import progress as P

    monkeypatch.setenv("BENCH_PROGRESS", "")
    assert P.mode() == "lines"                                   # pytest's stderr is not a terminal
    t = iter(range(0, 10_000, 1))
    got = list(P.progress(range(100), 100, "score", clock=lambda: float(next(t))))
    assert got == list(range(100))
    lines = capsys.readouterr().err.splitlines()
    # start, one line per 10% (10 .. 90 %; 30 s of fake clock also passes every 30 items: merged), done
    assert lines[0] == "score: starting, 100 videos" and lines[-1].startswith("score: done, 100 videos in ")
    assert 9 <= len(lines) - 2 <= 13 and all(re.fullmatch(r"score: \d+/100 videos \(\d+%\), \d+s", x) for x in lines[1:-1])
    monkeypatch.setenv("BENCH_PROGRESS", "0")
    assert list(P.progress(range(3), 3, "x")) == [0, 1, 2] and capsys.readouterr().err == ""
    monkeypatch.setenv("BENCH_PROGRESS", "")
    # a slow stage: a line every 30 s even between tenths
    clock = iter([0.0] + [40.0 * i for i in range(1, 2000)] + [1e9])
    list(P.progress(range(1000), 1000, "gen", clock=lambda: next(clock)))
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1000 + 1  # every item took 40 s > 30 s: a line each (999) + start + done


def test_progress_bar_on_a_terminal(monkeypatch):
    from bench import progress as P

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("BENCH_PROGRESS", "")
    monkeypatch.setattr("sys.stderr", Tty())
    assert P.mode() == "bar"
    bar = P.progress(range(3), 3, "x")
    assert type(bar).__name__ == "tqdm" and list(bar) == [0, 1, 2]


# --------------------------------------------------------------------------- headless Chromium


def _browser():
    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install -y chromium; .ci/run does this)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright Python package is not installed (pip install -e '.[dev]')")
    return sync_playwright, CHROMIUM


def test_browser_sorts_plays_and_stays_offline(oracle_site, tmp_path):
    sync_playwright, exe = _browser()
    site = oracle_site.resolve()
    requests: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        # playwright gives each launch a fresh temporary profile (it refuses --user-data-dir here)
        browser = pw.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            # a table sorts when its header is clicked
            page.goto((site / "index.html").as_uri())
            col = "Check"
            tab = page.locator("table.sortable", has=page.locator("th", has_text="In pass rate")).first
            th = tab.locator("th", has_text=col).first
            idx = th.evaluate("h => h.cellIndex")
            read = f"t => Array.from(t.tBodies[0].rows).map(r => r.cells[{idx}].textContent.trim())"
            before = tab.evaluate(read)
            th.click()
            asc = tab.evaluate(read)
            th.click()
            desc = tab.evaluate(read)
            assert asc == sorted(before, key=str.lower) and desc == asc[::-1] and asc != desc
            assert th.get_attribute("aria-sort") == "descending"
            # filters built from the column values hide rows
            tab.evaluate("""t => { const bar = t.previousElementSibling;
                const lab = Array.from(bar.querySelectorAll('label')).find(l => l.textContent.startsWith('Check'));
                const s = lab.querySelector('select'); s.value = s.options[1].value;
                s.dispatchEvent(new Event('change')); }""")
            shown = tab.evaluate("t => Array.from(t.tBodies[0].rows).filter(r => !r.hidden).length")
            assert 0 < shown < len(before)

            # a video element loads and plays its first frame
            model = next((site / "models").glob("oracle_vanish*.html"))
            page.goto(model.as_uri())
            state = page.evaluate("""async () => {
                const v = document.querySelector('video'); v.muted = true;
                try { await v.play(); } catch (e) { return {err: String(e)}; }
                for (let i = 0; i < 100 && v.readyState < 2; i++) await new Promise(r => setTimeout(r, 50));
                return {ready: v.readyState, w: v.videoWidth, err: v.error && v.error.code}; }""")
            assert state.get("ready", 0) >= 2 and state["w"] > 0 and not state.get("err"), state

            # the compare view fills both panes from the query string
            page.goto((site / "compare.html").as_uri() + "?a=oracle&b=oracle%2Bvanish%3A1.0&sample=0")
            page.wait_for_selector("#pb video")
            assert page.locator("#pa h3").inner_text() == "oracle"
            assert "never reappears" in page.locator("#pb").inner_text() or \
                   "fail" in page.locator("#pb").inner_text()

            for p in ("validity.html", "probes.html", "models.html"):
                page.goto((site / p).as_uri())
        finally:
            browser.close()
    assert requests and all(u.startswith("file://") for u in requests), \
        [u for u in requests if not u.startswith("file://")]
    assert not failed, failed
    assert not errors, errors
