"""The results site: a static, offline HTML rendering of a computed leaderboard.

``build_site(lb, run_dirs, out_dir)`` writes ``out_dir`` (``bench report`` uses ``<out>/site/``)::

    index.html              summary: generators ranked (95% CIs, significance-aware ranks), then
                            controls folded in <details>; pass rate by category and by check
                            (sortable, filterable by section, suite, category, check, world)
    models.html, probes.html  indexes
    models/<slug>.html      one entry: its rates, its failures (check, reason, link to the video),
                            then every video card (failed first)
    probes/<slug>.html      one probe: prompt, expectations, every model's video card
    compare.html            two models side by side on the same probe and seed (assets/videos.js)
    validity.html           the validity matrix as a heat map; each cell links to
    validity/<slug>.html    the videos behind it (check x violation), with verdicts and reasons
    media/, strips/         MP4 previews (copied), frame strips with tracks and masks
    assets/                 site.css, site.js (sorting/filtering), compare.js, videos.js

It is the second renderer of the same ``Leaderboard`` the markdown/HTML leaderboard and the
notebooks use (``bench.report.leaderboard`` computes the tables; nothing is recomputed here);
per-video verdicts and reasons come from the runs through ``bench.report.load``.

A video card shows the video playing inline (the run's MP4 preview, or an animated WebP made
from the lossless file when there is no preview), its frame strip with the tracker's tracks and
the ground-truth masks drawn on, every check's verdict and reason, the prompt, seed and
provenance.  **Media budget**: previews and strips are copied for videos in priority order
(generators' videos, then the clean reference ``oracle``, then videos with a failed check, then
the rest) until ``media_budget_mb`` is spent; a video past the budget still has its card with
verdicts and reasons, marked "preview not included".  The cpu profile's ~1,600 small renders fit
in the default budget.

Every user string is escaped (``bench.report.site.html.esc``); file names and anchors are slugs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from bench.errors import UserError
from bench.report.site.html import (COMPARE_JS, MISSING, SITE_CSS, SITE_JS, Raw, esc, link, md_inline, page,
                                    rate_cell, slug, table, verdict_badge)

DEFAULT_MEDIA_BUDGET_MB = 96.0
_SECTION_ORDER = {"generator": 0, "control": 1, "random": 2}


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v


def _pct(x: Any) -> str:
    v = _num(x)
    return MISSING if not np.isfinite(v) else f"{100 * v:.1f}%"


def _vid(entry: str, suite: str, probe: str, sample: int) -> str:
    """The anchor and media file stem of one video (hex only: safe in URLs, ids and file names)."""
    return "v-" + hashlib.sha1(f"{entry}\x00{suite}\x00{probe}\x00{sample}".encode("utf-8")).hexdigest()[:16]


def _log(msg: str) -> None:
    print(f"bench report: site: {msg}", file=sys.stderr, flush=True)


class _Site:
    def __init__(self, lb: Any, dirs: list[Path], out: Path, media_budget_mb: float) -> None:
        from bench.report import load
        from bench.report.compute import entry_name

        self.lb, self.out, self.budget = lb, out, int(media_budget_mb * (1 << 20))
        self.used = 0
        self.files: list[Path] = []
        sch = lb.schema
        self.display = sch.display
        man = load.manifest_df(dirs)
        if len(man):
            if "status" in man:
                man = man[man["status"].fillna("ok") == "ok"]
            man = man.assign(entry=[entry_name(m, bool(r)) for m, r in zip(man["model"], man["random_weights"])],
                             sample=man["sample"].astype(int))
            man = man.drop_duplicates(["entry", "suite", "probe_id", "sample"], keep="last")
        sc = load.scores_df(dirs)
        if len(sc):
            sc = sc.assign(entry=[entry_name(m, bool(r)) for m, r in zip(sc["model"], sc["random_weights"])])
            sc = sc.drop_duplicates(["entry", "suite", "probe_id", "sample", "metric"], keep="last")
        self.scores = sc
        sec = dict(zip(lb.entries["entry"], lb.entries["section"]))
        self.section = sec
        self.world = "world" in man.columns and man["world"].notna().any()
        man = man[man["entry"].isin(sec)] if len(man) else man
        man = man.assign(section=man["entry"].map(sec)) if len(man) else man
        self.videos = man.reset_index(drop=True)
        self.entries = sorted(sec, key=lambda e: (_SECTION_ORDER.get(sec[e], 9), e))
        self.entry_slug = {e: slug(e) for e in self.entries}
        self.probe_slug = {p: slug(p) for p in (self.videos["probe_id"].unique() if len(man) else [])}
        self.checks_by_video: dict[tuple, list[dict[str, Any]]] = {}
        if len(sc):
            keep = sc[sc["metric_kind"] == "probe"] if "metric_kind" in sc else sc
            order = {m: i for i, m in enumerate(lb.checks["metric"])} if len(lb.checks) else {}
            for key, g in keep.groupby(["entry", "suite", "probe_id", "sample"], sort=False):
                rows = g.to_dict("records")
                rows.sort(key=lambda r: (order.get(r["metric"], 99), str(r["metric"])))
                self.checks_by_video[(key[0], key[1], key[2], int(key[3]))] = rows
        self.probes = self._load_probes()
        self.media: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ data
    def _load_probes(self) -> dict[str, dict[str, Any]]:
        from bench.suites import load_suite

        out: dict[str, dict[str, Any]] = {}
        paths: dict[str, str] = {}
        suites = sorted(set(self.videos["suite"])) if len(self.videos) else []
        for d in self._run_dirs_meta():
            paths.update({k: v for k, v in (d.get("suite_paths") or {}).items() if isinstance(v, str)})
        for s in suites:
            try:
                suite = load_suite(paths[s] if s in paths and Path(paths[s]).is_file() else s)
            except (UserError, OSError):
                continue
            for p in suite.probes:
                out.setdefault(p["id"], p)
        return out

    def _run_dirs_meta(self) -> list[dict[str, Any]]:
        metas = []
        for d in set(self.videos.get("run_dir", pd.Series(dtype=object))):
            try:
                metas.append(json.loads((Path(d) / "run.json").read_text()))
            except (OSError, ValueError):
                pass
        return metas

    def failed(self, key: tuple) -> bool:
        return any(r.get("verdict") in ("fail", "setup_failed") for r in self.checks_by_video.get(key, []))

    def key(self, r: Any) -> tuple:
        return (r.entry, r.suite, r.probe_id, int(r.sample))

    # ------------------------------------------------------------------ media
    def make_media(self) -> None:
        from bench.report.plots import frame_windows
        from bench.report.site import media as M
        from bench.video import read_video

        v = self.videos
        if not len(v):
            return
        prio = []
        for i, r in enumerate(v.itertuples(index=False)):
            k = self.key(r)
            p = 0 if r.section == "generator" else 1 if r.entry == "oracle" else 2 if self.failed(k) else 3
            prio.append((p, i))
        prio.sort()
        total, done, skipped = len(prio), 0, 0
        from bench.progress import progress

        for _, i in progress([x for x in prio], total, "site media", unit="video"):
            r = v.iloc[i]
            k = (r["entry"], r["suite"], r["probe_id"], int(r["sample"]))
            vid = _vid(*k)
            rec: dict[str, Any] = {"video": None, "anim": None, "strip": None, "tracks": "", "masks": False}
            self.media[vid] = rec
            if self.used >= self.budget:
                skipped += 1
                continue
            root = Path(str(r.get("run_dir") or ".")).resolve()

            def inside(p: Path | None) -> Path | None:  # only files of the run itself are read
                return p if p is not None and p.resolve().is_relative_to(root) else None

            lossless = inside(Path(str(r["abs_path"]))) if isinstance(r.get("abs_path"), str) else None
            prev = r.get("preview")
            prev_p = inside(root / prev) if isinstance(prev, str) and prev else None
            if prev_p is not None and M.regular_file(prev_p) and prev_p.suffix.lower() == ".mp4" \
                    and prev_p.stat().st_size < 32 << 20:
                self.used += M.copy_file(prev_p, self.out / "media" / f"{vid}.mp4")
                rec["video"] = f"media/{vid}.mp4"
            src = lossless if lossless is not None and M.regular_file(lossless) else (
                prev_p if prev_p is not None and M.regular_file(prev_p) else None)
            if src is None:
                continue
            try:
                video = read_video(src)
            except UserError:
                continue
            if rec["video"] is None:
                a = M.animation(video.frames, video.fps, self.out / "media" / vid)
                self.used += a.stat().st_size
                rec["anim"] = f"media/{vid}.webp"
            windows = []
            for c in self.checks_by_video.get(k, []):
                if c.get("verdict") in ("fail", "setup_failed"):
                    windows += frame_windows(str(c.get("reason") or ""))
            img, shown = M.strip_image(video.frames, probe=self.probes.get(r["probe_id"]), video=video,
                                       truth_stem=src.with_suffix(""), windows=windows)
            sp = M.write_image(img, self.out / "strips" / vid)
            self.used += sp.stat().st_size
            rec.update(strip=f"strips/{sp.name}", **shown)
            done += 1
        if skipped:
            _log(f"media budget ({self.budget >> 20} MiB) reached: {skipped} of {total} videos have verdicts "
                 "but no preview in the site")

    # ------------------------------------------------------------------ pieces
    def write(self, rel: str, text: str) -> None:
        from bench.atomic import write_text

        p = self.out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        write_text(p, text)
        self.files.append(p)

    def model_href(self, e: str, up: str = "") -> str:
        return f"{up}models/{self.entry_slug[e]}.html"

    def card(self, r: Any, up: str, *, title: str) -> str:
        k = (r["entry"], r["suite"], r["probe_id"], int(r["sample"]))
        vid = _vid(*k)
        m = self.media.get(vid, {})
        checks = self.checks_by_video.get(k, [])
        bad = any(c.get("verdict") in ("fail", "setup_failed") for c in checks)
        parts = [f'<article class="card {"failed" if bad else "passed"}" id="{vid}">', f"<h3>{title}</h3>",
                 '<div class="media">']
        if m.get("video"):
            parts.append(f'<video controls muted loop playsinline preload="metadata" src="{up}{esc(m["video"])}">'
                         "</video>")
        elif m.get("anim"):
            parts.append(f'<img class="anim" src="{up}{esc(m["anim"])}" alt="animation of the video">')
        else:
            parts.append('<p class="small">Preview not included in the site (media budget or unreadable file).</p>')
        parts.append("</div>")
        if m.get("strip"):
            what = " and ".join(x for x, ok in ((f"{m.get('tracks')} tracks", m.get("tracks")),
                                                ("ground-truth masks (yellow)", m.get("masks"))) if ok)
            parts.append(f'<img class="strip" loading="lazy" src="{up}{esc(m["strip"])}" alt="frame strip">')
            parts.append(f'<p class="small">Frame strip with {esc(what or "no overlay")}; frames a failing '
                         "reason names are framed in red.</p>")
        parts.append(f'<p class="prompt">{esc(r.get("prompt") or MISSING)}</p>')
        rows = [[self.display(c["metric"]), verdict_badge(c.get("verdict")),
                 MISSING if not np.isfinite(_num(c.get("value"))) else f"{_num(c['value']):.3g}",
                 c.get("reason") or (c.get("status") if c.get("status") != "ok" else MISSING)] for c in checks]
        parts.append(table(["Check", "Verdict", "Value", "Reason"], rows, cls="checks"))
        prov = r.get("provenance") if isinstance(r.get("provenance"), dict) else {}
        params = r.get("params") if isinstance(r.get("params"), dict) else {}
        meta = [("model", r.get("model")), ("suite", r.get("suite")), ("probe", r.get("probe_id")),
                ("sample", r.get("sample")), ("seed", r.get("seed")), ("revision", r.get("revision")),
                ("source", r.get("source")), ("run", r.get("run_id")), ("sha256", r.get("sha256")),
                ("frames", r.get("frames")), ("size", f"{r.get('width')}x{r.get('height')}"), ("fps", r.get("fps")),
                ("created", r.get("created_at"))]
        if self.world and isinstance(r.get("world"), str):
            meta.insert(3, ("world", r.get("world")))
        parts.append('<p class="meta">' + " · ".join(f"{esc(a)} <code>{esc(b)}</code>" for a, b in meta
                                                     if b is not None and str(b) not in ("", "nan")) + "</p>")
        extra = {"params": params, "provenance": prov, "file": r.get("path"), "preview": r.get("preview")}
        parts.append("<details><summary class=\"small\">Settings and provenance</summary><pre class=\"small\">"
                     + esc(json.dumps(extra, indent=1, sort_keys=True, default=str)) + "</pre></details>")
        other = next((e for e in ("oracle", *self.entries) if e != r["entry"] and e in self.section), r["entry"])
        q = f"a={quote(str(r['entry']), safe='')}&b={quote(other, safe='')}" \
            f"&probe={quote(str(r['probe_id']), safe='')}&sample={int(r['sample'])}"
        parts.append('<p class="small">' + " · ".join([
            link(f"{up}{self.model_href(r['entry'])}#{vid}", "model page"),
            link(f"{up}probes/{self.probe_slug[r['probe_id']]}.html#{vid}", "probe page"),
            link(f"{up}compare.html?{q}", "compare side by side")]) + "</p>")
        parts.append("</article>")
        return "\n".join(parts)

    def entry_cell(self, e: str, up: str = "", anchor: str = "") -> Raw:
        return link(f"{up}{self.model_href(e)}{anchor}", e)

    # ------------------------------------------------------------------ pages
    def index(self) -> None:
        from bench.report.compute import SECTION_TITLES
        from bench.report.leaderboard import how_to_read, main_table

        lb = self.lb
        b = ["<h1>Physics, object permanence and identity in text-to-video</h1>"]
        runs = ", ".join(str(x) for x in lb.runs["run_id"]) if len(lb.runs) else MISSING
        n_gen = len(lb.section_entries("generator"))
        b.append(f'<p class="lead">Runs {esc(runs)} · {len(self.videos)} videos · {n_gen} generator(s), '
                 f'{len(lb.section_entries("control"))} control(s). Click a model for its failed videos and the '
                 "reasons; click a header to sort.</p>")
        b.append(self.kpis())
        for w in lb.warnings:
            b.append(f'<p class="note">{esc(w)}</p>')
        gen = main_table(lb, "generator")
        b.append(f"<h2>{esc(SECTION_TITLES['generator'])}</h2>")
        if len(gen):
            b.append(self.main(gen, "Pass rate [95% CI]; Rank is significance-aware: a range such as 1–3 means "
                                    "the data cannot separate the entry from its neighbours."))
        else:
            b.append('<p class="note">No generator in these runs (the cpu profile runs only the oracle world and its '
                     "controlled violations and nuisances): the controls below are what there is to read.</p>")
        for sec in ("control", "random"):
            t = main_table(lb, sec)
            if not len(t):
                continue
            opened = " open" if not len(gen) and sec == "control" else ""
            b.append(f"<details{opened}><summary>{esc(SECTION_TITLES[sec])} · {len(t)} rows</summary>")
            if sec == "control":
                b.append('<p class="small">The clean <code>oracle</code> should pass; each <code>oracle+violation</code> '
                         "should fail the checks that target it; <code>oracle~nuisance</code> should not change "
                         "verdicts. The first column is each control's paired difference from the clean oracle.</p>")
            b.append(self.main(t, "Pass rate [95% CI]"))
            b.append("</details>")
        b.append("<h2>Pass rate by category</h2>")
        b.append(self.category_long())
        b.append("<h2>Pass rate by check</h2>")
        b.append(self.check_long())
        b.append("<details><summary>How to read this</summary>"
                 f'<p class="small">{md_inline(how_to_read(lb.schema))}</p></details>')
        b.append(self.provenance())
        self.write("index.html", page("Leaderboard", "\n".join(b), current="index.html"))

    def kpis(self) -> str:
        n_fail = sum(1 for k in self.checks_by_video if self.failed(k))
        chk = int(self.lb.checks["in_primary"].sum()) if len(self.lb.checks) else 0
        items = [("videos", len(self.videos)), ("with a failed check", n_fail), ("models", len(self.entries)),
                 ("probes", len(self.probe_slug)), ("checks in the pass rate", chk)]
        return '<div class="kpis">' + "".join(f'<div class="kpi"><b>{esc(v)}</b>{esc(k)}</div>' for k, v in items) \
            + "</div>"

    def main(self, t: pd.DataFrame, caption: str) -> str:
        cols = list(t.columns)
        rows = []
        for rec in t.to_dict("records"):
            e = rec["Model"]
            row = []
            for c in cols:
                if c == "Model":
                    row.append(self.entry_cell(e))
                elif c == "Overall":
                    row.append(Raw(f'<a href="{esc(self.model_href(e))}#failures">{rate_cell(rec[c])}</a>'
                                   if rec[c] != MISSING else link(self.model_href(e) + "#failures", MISSING)))
                elif c in ("Rank", "vs oracle", "Setup failed", "Missing", "Videos"):
                    row.append(rec[c])
                else:
                    row.append(rate_cell(rec[c]))
            rows.append(row)
        return table(cols, rows, caption=caption + " Click a model or its rate for its failed videos.")

    def _summary(self, metric_filter: Any, level: str) -> pd.DataFrame:
        s = self.lb.summary
        return s[metric_filter(s) & (s["level"] == level)]

    def category_long(self) -> str:
        from bench.stats.aggregate import PASS_ID

        s = self._summary(lambda s: s["metric"] == PASS_ID, "category")
        if not len(s):
            return '<p class="small">No pass rate per category (no check entered the pass rate).</p>'
        rows, keys = [], []
        for r in s.sort_values(["section", "entry", "suite", "category"],
                               key=lambda c: c.map(_SECTION_ORDER) if c.name == "section" else c).itertuples(index=False):
            rows.append([self.entry_cell(r.entry), r.section, r.suite, r.category, _ci(r), int(r.n_videos),
                         int(r.n_setup_failed)])
            keys.append([None, None, None, None, _num(r.estimate), None, None])
        return table(["Model", "Section", "Suite", "Category", "Pass rate [95% CI]", "Videos", "Setup failed"], rows,
                     filters=["Section", "Suite", "Category"], sort_values=keys)

    def check_long(self) -> str:
        lb = self.lb
        checks = set(lb.checks["metric"]) if len(lb.checks) else set()
        inp = dict(zip(lb.checks["metric"], lb.checks["in_primary"])) if len(lb.checks) else {}
        s = self._summary(lambda s: s["metric"].isin(checks), "overall")
        if not len(s):
            return '<p class="small">No probe check scored.</p>'
        rows, keys = [], []
        for r in s.sort_values(["metric", "section", "entry"]).itertuples(index=False):
            rows.append([self.entry_cell(r.entry, anchor="#failures"), r.section, self.display(r.metric),
                         "yes" if inp.get(r.metric) else "no", _ci(r), int(r.n_videos), int(r.n_setup_failed)])
            keys.append([None, None, None, None, _num(r.estimate), None, None])
        return table(["Model", "Section", "Check", "In pass rate", "Pass rate [95% CI]", "Videos", "Setup failed"],
                     rows, filters=["Section", "Check", "In pass rate"], sort_values=keys,
                     caption="Every probe check's pass rate (setup failures count as failures); checks that "
                             "failed the validity study are shown but do not enter the pass rate.")

    def provenance(self) -> str:
        lb = self.lb
        cols = [c for c in lb.runs.columns]
        runs = table(cols, lb.runs.astype(str).values.tolist(), caption="Runs")
        mcols = list(lb.models.columns)
        models = table(mcols, [[self.entry_cell(x) if c == "entry" else x for c, x in zip(mcols, row)]
                               for row in lb.models.astype(object).values.tolist()], caption="Models",
                       filters=["section", "source"])
        return f"<details><summary>Provenance</summary>{runs}{models}</details>"

    def video_rows(self, v: pd.DataFrame) -> pd.DataFrame:
        order = v.assign(_f=[0 if self.failed(self.key(r)) else 1 for r in v.itertuples(index=False)],
                         _s=v["section"].map(_SECTION_ORDER))
        return order.sort_values(["_f", "_s", "entry", "suite", "probe_id", "sample"])

    def failures_table(self, v: pd.DataFrame, up: str, page_href: str, first: str) -> str:
        rows = []
        for r in v.itertuples(index=False):
            k = self.key(r)
            for c in self.checks_by_video.get(k, []):
                if c.get("verdict") not in ("fail", "setup_failed"):
                    continue
                row = [link(f"#{_vid(*k)}", getattr(r, first)), r.suite, r.category, int(r.sample),
                       self.display(c["metric"]), verdict_badge(c["verdict"]), c.get("reason") or MISSING]
                if self.world:
                    row.insert(3, getattr(r, "world", None))
                rows.append(row)
        if not rows:
            return '<p class="small">No failed check.</p>'
        cols = [first.replace("probe_id", "Probe").replace("entry", "Model"), "Suite", "Category", "Sample",
                "Check", "Verdict", "Reason"]
        if self.world:
            cols.insert(3, "World")
        return table(cols, rows, filters=["Suite", "Category", "Check", "Verdict", "World"],
                     caption="Each failed check with its reason; click to jump to the video.")

    def model_pages(self) -> None:
        from bench.report.compute import SECTION_TITLES
        from bench.report.leaderboard import _cell, _rank, fmt_ci
        from bench.stats.aggregate import PASS_ID
        from bench.stats.ranks import rank_label

        lb = self.lb
        idx_rows = []
        for e in self.entries:
            v = self.videos[self.videos["entry"] == e] if len(self.videos) else self.videos
            c = _cell(lb, e, PASS_ID, "overall")
            rk = _rank(lb, e, PASS_ID, "overall")
            rate = fmt_ci(c["estimate"], c["ci_lo"], c["ci_hi"], True) if c is not None else MISSING
            rank = rank_label(rk["rank_lo"], rk["rank_hi"]) if rk is not None else MISSING
            nf = sum(1 for r in v.itertuples(index=False) if self.failed(self.key(r))) if len(v) else 0
            idx_rows.append(([self.entry_cell(e), self.section[e], rank, rate_cell(rate), len(v), nf],
                             [None, _SECTION_ORDER.get(self.section[e]), None,
                              _num(c["estimate"]) if c is not None else None, None, None]))
            b = [f"<h1>{esc(e)}</h1>",
                 f'<p class="lead">{esc(SECTION_TITLES.get(self.section[e], self.section[e]))} · pass rate '
                 f"{esc(rate)} · rank {esc(rank)} · {len(v)} videos, {nf} with a failed check</p>"]
            src = lb.models[lb.models["entry"] == e]
            if len(src):
                m = src.iloc[0]
                b.append(f'<p class="meta">source <code>{esc(m.get("source"))}</code> · access '
                         f'<code>{esc(m.get("access"))}</code> · revision <code>{esc(m.get("revision"))}</code> · '
                         f'runs <code>{esc(m.get("runs"))}</code></p>')
            s = lb.summary[(lb.summary["entry"] == e) & lb.summary["metric"].isin(set(lb.checks["metric"]))
                           & (lb.summary["level"] == "overall")] if len(lb.checks) else lb.summary.iloc[:0]
            if len(s):
                b.append("<h2>Checks</h2>")
                b.append(table(["Check", "Pass rate [95% CI]", "Videos", "Setup failed"],
                               [[self.display(r.metric), _ci(r), int(r.n_videos), int(r.n_setup_failed)]
                                for r in s.itertuples(index=False)],
                               sort_values=[[None, _num(r.estimate), None, None] for r in s.itertuples(index=False)]))
            b.append('<h2 id="failures">Failed checks</h2>')
            vv = self.video_rows(v) if len(v) else v
            b.append(self.failures_table(vv, "../", "", "probe_id") if len(v) else '<p class="small">No videos.</p>')
            b.append("<h2>Videos</h2><p class=\"small\">Failed first.</p><div class=\"cards\">")
            for _, r in vv.iterrows():
                b.append(self.card(r, "../", title=f"{esc(r['probe_id'])} · sample {int(r['sample'])}"))
            b.append("</div>")
            self.write(f"models/{self.entry_slug[e]}.html", page(e, "\n".join(b), depth=1))
        self.write("models.html", page("Models", "<h1>Models</h1>" + table(
            ["Model", "Section", "Rank", "Pass rate [95% CI]", "Videos", "With a failed check"],
            [r for r, _ in idx_rows], sort_values=[k for _, k in idx_rows], filters=["Section"]),
            current="models.html"))

    def probe_pages(self) -> None:
        v = self.videos
        idx = []
        for p, sl in sorted(self.probe_slug.items()):
            g = v[v["probe_id"] == p]
            r0 = g.iloc[0]
            probe = self.probes.get(p, {})
            nf = sum(1 for r in g.itertuples(index=False) if self.failed(self.key(r)))
            idx.append([link(f"probes/{sl}.html", p), r0["suite"], r0.get("category"), len(g), nf,
                        r0.get("prompt") or MISSING])
            b = [f"<h1>{esc(p)}</h1>", f'<p class="lead">{esc(r0["suite"])} · category {esc(r0.get("category"))} · '
                 f"{len(g)} videos, {nf} with a failed check</p>",
                 f'<p class="prompt">{esc(probe.get("prompt") or r0.get("prompt") or MISSING)}</p>']
            if probe:
                exp = {k: probe.get(k) for k in ("objects", "expect", "checks") if probe.get(k) is not None}
                b.append("<details><summary class=\"small\">Expectations (objects, expect, checks)</summary>"
                         f"<pre class=\"small\">{esc(json.dumps(exp, indent=1, sort_keys=True, default=str))}</pre>"
                         "</details>")
            g = self.video_rows(g)
            b.append('<h2 id="failures">Failed checks</h2>')
            b.append(self.failures_table(g, "../", "", "entry"))
            b.append('<h2>Videos</h2><p class="small">Failed first, then generators, then controls.</p>'
                     '<div class="cards">')
            for _, r in g.iterrows():
                b.append(self.card(r, "../", title=f"{esc(r['entry'])} · sample {int(r['sample'])}"))
            b.append("</div>")
            self.write(f"probes/{sl}.html", page(p, "\n".join(b), depth=1))
        self.write("probes.html", page("Probes", "<h1>Probes</h1>" + table(
            ["Probe", "Suite", "Category", "Videos", "With a failed check", "Prompt"], idx,
            filters=["Suite", "Category"]), current="probes.html"))

    def compare_page(self) -> None:
        vids: dict[str, Any] = {}
        for _, r in self.videos.iterrows():
            k = (r["entry"], r["suite"], r["probe_id"], int(r["sample"]))
            vid = _vid(*k)
            m = self.media.get(vid, {})
            vids[f"{k[0]}\x00{k[2]}\x00{k[3]}"] = {
                "video": m.get("video"), "anim": m.get("anim"), "strip": m.get("strip"), "seed": str(r.get("seed")),
                "page": f"{self.model_href(k[0])}#{vid}",
                "checks": [[self.display(c["metric"]), str(c.get("verdict")), str(c.get("reason") or "")]
                           for c in self.checks_by_video.get(k, [])]}
        data = {"models": self.entries, "probes": sorted(self.probe_slug),
                "samples": sorted({int(x) for x in self.videos["sample"]}) if len(self.videos) else [0],
                "videos": vids}
        # a script, not JSON: pages opened from file:// cannot fetch; ensure_ascii keeps it plain ASCII
        # and <, >, & as \u escapes, so no markup-like text appears in the file at all
        blob = json.dumps(data, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e") \
            .replace("&", "\\u0026")
        self.write("assets/videos.js", "window.BENCH_VIDEOS = " + blob + ";\n")
        body = ("<h1>Side by side</h1><p class=\"lead\">Two models on the same probe and seed (every model is run "
                "on the same seeds).</p><div class=\"pick\">"
                '<label>Model A <select id="a"></select></label><label>Model B <select id="b"></select></label>'
                '<label>Probe <select id="probe"></select></label><label>Sample <select id="sample"></select></label>'
                '</div><div class="cmp"><section id="pa"></section><section id="pb"></section></div>'
                "<noscript><p>The side-by-side view needs JavaScript; every video is also on its probe page.</p>"
                "</noscript>")
        self.write("compare.html", page("Compare", body, scripts=("assets/videos.js", "assets/compare.js"),
                                        current="compare.html"))

    def validity_pages(self) -> None:
        from bench.validity import parse_variant

        val = self.lb.validity
        b = ["<h1>Metric validity</h1>"]
        if val is None or not len(val):
            b.append('<p class="note">No validity table was given to this report (<code>bench validate</code> writes '
                     "one; the cpu profile makes it from its own controls).</p>")
            self.write("validity.html", page("Validity", "\n".join(b), current="validity.html"))
            return
        val = val.copy()
        q = "detection_at_max" if "detection_at_max" in val else "auroc"
        qname = "detection rate at full magnitude" if q == "detection_at_max" else "AUROC"
        b.append(f'<p class="lead">Each cell: the {esc(qname)} of a check (row) on the oracle videos with one '
                 "controlled violation (column); darker is better. Click a cell for the videos behind it, with "
                 "each verdict and reason; outlined cells are violations the check targets. Right: the share of "
                 "clean videos each nuisance flips (lower is better).</p>")
        fpr_cols = [c for c in val.columns if c.startswith("fpr_")]
        worlds = [None]
        if "world" in val and val["world"].notna().any():
            worlds = sorted(str(w) for w in val["world"].dropna().unique())
        # the videos behind each cell: the run's own controls, if it holds them
        by_var: dict[tuple[str, str], list[str]] = {}
        for e in self.entries:
            try:
                kind, name, _ = parse_variant(self.videos.loc[self.videos["entry"] == e, "model"].iloc[0]) \
                    if len(self.videos) and (self.videos["entry"] == e).any() else (None, None, None)
            except Exception:
                continue
            if kind in ("violation", "nuisance"):
                by_var.setdefault((kind, name), []).append(e)
        for w in worlds:
            vw = val if w is None else val[val["world"].astype(str) == w]
            if w is not None:
                b.append(f"<h2>World: {esc(w)}</h2>")
            mat = vw.pivot_table(index="metric", columns="violation", values=q, aggfunc="mean")
            fpr = vw.groupby("metric")[fpr_cols].max() if fpr_cols else None
            valid = vw.groupby("metric")["valid"].agg(lambda s: bool(pd.Series(s).astype(str).str.lower()
                                                                   .isin(["true", "1"]).any())) \
                if "valid" in vw else None
            targets = set()
            if "targets" in vw:
                t = vw[vw["targets"].astype(str).str.lower().isin(["true", "1"])]
                targets = set(zip(t["metric"].astype(str), t["violation"].astype(str)))

            def th(label: str) -> str:  # break long names after underscores
                return "<th>" + esc(label).replace("_", "_<wbr>") + "</th>"

            head = ['<div class="scroll"><table class="heat sortable"><thead><tr><th>Check</th><th>Valid</th>']
            head += [th(str(c)) for c in mat.columns]
            head += [th(f"{c[4:]} (FPR)") for c in fpr_cols]
            rows = ["".join(head) + "</tr></thead><tbody>"]
            for metric in mat.index:
                ms = slug(metric)
                tds = [f"<td>{link(f'validity/{ms}.html', self.display(metric))}</td>",
                       f"<td>{'yes' if valid is not None and valid.get(metric) else 'no'}</td>"]
                for viol in mat.columns:
                    x = _num(mat.at[metric, viol])
                    cls = "hn" if not np.isfinite(x) else f"h{min(8, int(x * 8.999))}"
                    cls += " tg" if (str(metric), str(viol)) in targets else ""
                    txt = MISSING if not np.isfinite(x) else f"{x:.2f}"
                    tds.append(f'<td class="h {cls}" data-v="{esc(x if np.isfinite(x) else "")}">'
                               f"{link(f'validity/{ms}.html#{slug(viol)}', txt)}</td>")
                for c in fpr_cols:
                    x = _num(fpr.at[metric, c]) if fpr is not None else float("nan")
                    cls = "hn" if not np.isfinite(x) else f"r{min(4, int(np.ceil(x / 0.05)))}"
                    txt = MISSING if not np.isfinite(x) else f"{x:.2f}"
                    tds.append(f'<td class="h {cls}">{link(f"validity/{ms}.html#n-{slug(c[4:])}", txt)}</td>')
                rows.append("<tr>" + "".join(tds) + "</tr>")
            b.append("\n".join(rows) + "</tbody></table></div>")
        b.append("<h2>All rows</h2>")
        cols = [c for c in ("metric", "world", "violation", "targets", "auroc", "detection_rate", "detection_at_max",
                            "clean_fail_rate", "n_pairs", "valid") if c in val]
        b.append(table(cols, val[cols].astype(object).where(val[cols].notna(), None).values.tolist(),
                       filters=[c for c in ("metric", "world", "violation", "valid") if c in cols]))
        self.write("validity.html", page("Validity", "\n".join(b), current="validity.html"))
        for metric in sorted(val["metric"].astype(str).unique()):
            self._validity_cell_page(metric, val[val["metric"].astype(str) == metric], by_var, fpr_cols)

    def _validity_cell_page(self, metric: str, vm: pd.DataFrame, by_var: dict, fpr_cols: list[str]) -> None:
        b = [f"<h1>{esc(self.display(metric))} <small><code>{esc(metric)}</code></small></h1>",
             '<p class="lead">The videos behind each cell of the validity matrix: the clean oracle and each '
             "controlled violation and nuisance, with this check's verdict and reason.</p>",
             '<p><a href="../validity.html">back to the matrix</a></p>']
        groups = [("Clean reference", "clean", ["oracle"] if "oracle" in self.section else [])]
        groups += [(f"Violation: {v}", slug(v), by_var.get(("violation", v), []))
                   for v in sorted(vm["violation"].astype(str).unique())]
        groups += [(f"Nuisance: {c[4:]}", "n-" + slug(c[4:]), by_var.get(("nuisance", c[4:]), [])) for c in fpr_cols]
        for title, anchor, entries in groups:
            b.append(f'<h2 id="{esc(anchor)}">{esc(title)}</h2>')
            rows = []
            for e in entries:
                v = self.videos[self.videos["entry"] == e]
                for r in v.itertuples(index=False):
                    k = self.key(r)
                    for c in self.checks_by_video.get(k, []):
                        if c["metric"] != metric:
                            continue
                        row = [link(f"../{self.model_href(e)}#{_vid(*k)}", e), r.probe_id, int(r.sample),
                               verdict_badge(c.get("verdict")),
                               MISSING if not np.isfinite(_num(c.get("value"))) else f"{_num(c['value']):.3g}",
                               c.get("reason") or MISSING]
                        if self.world:
                            row.insert(2, getattr(r, "world", None))
                        rows.append(row)
            if rows:
                cols = ["Model", "Probe", "Sample", "Verdict", "Value", "Reason"]
                if self.world:
                    cols.insert(2, "World")
                b.append(table(cols, rows, filters=["Model", "Verdict", "World"]))
            else:
                b.append('<p class="small">These videos are not in the runs of this report (the matrix came from a '
                         "separate <code>bench validate</code>).</p>")
        self.write(f"validity/{slug(metric)}.html", page(metric, "\n".join(b), depth=1))

    def assets(self) -> None:
        self.write("assets/site.css", SITE_CSS.lstrip())
        self.write("assets/site.js", SITE_JS.lstrip())
        self.write("assets/compare.js", COMPARE_JS.lstrip())


def _ci(r: Any) -> Any:
    from bench.report.leaderboard import fmt_ci

    return rate_cell(fmt_ci(r.estimate, r.ci_lo, r.ci_hi, True) + (" †" if bool(getattr(r, "partial", False)) else ""))


def build_site(lb: Any, run_dirs: Any, out_dir: str | os.PathLike, *,
               media_budget_mb: float | None = None) -> list[Path]:
    """Write the site for leaderboard ``lb`` (computed from ``run_dirs``) into ``out_dir``.

    The folder is rebuilt from scratch (written beside it, then swapped in), so a failed build
    leaves the previous site intact.  ``media_budget_mb`` (default ``$BENCH_SITE_MEDIA_MB`` or 96)
    bounds the bytes of copied previews, animations and strips.  Returns the files written.
    """
    from bench.report import load

    if media_budget_mb is None:
        try:
            media_budget_mb = float(os.environ.get("BENCH_SITE_MEDIA_MB", DEFAULT_MEDIA_BUDGET_MB))
        except ValueError:
            raise UserError(f"BENCH_SITE_MEDIA_MB must be a number of MiB, got "
                            f"{os.environ.get('BENCH_SITE_MEDIA_MB')!r}") from None
    if media_budget_mb < 0:
        raise UserError(f"site media budget must be >= 0 MiB, got {media_budget_mb}")
    dirs = load.run_dirs(run_dirs)
    final = Path(out_dir)
    tmp = final.with_name(f".tmp-{final.name}-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        s = _Site(lb, dirs, tmp, media_budget_mb)
        _log(f"{len(s.videos)} videos, {len(s.entries)} models, {len(s.probe_slug)} probes")
        s.make_media()
        s.assets()
        s.index()
        s.model_pages()
        s.probe_pages()
        s.compare_page()
        s.validity_pages()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if final.exists():
        old = final.with_name(f".old-{final.name}-{os.getpid()}")
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)
    files = sorted(p for p in final.rglob("*") if p.is_file())
    for p in [final, *final.rglob("*")]:  # readable by a web server (temp files are created 0600)
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    _log(f"wrote {final / 'index.html'} ({len(files)} files, {sum(p.stat().st_size for p in files) / 2**20:.1f} MiB)")
    return files
