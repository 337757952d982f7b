"""``build_leaderboard``: runs in, ``leaderboard.{md,csv,html}`` + plots + sample strips out.

Files written into ``out_dir`` (each atomically):

- ``leaderboard.md`` / ``leaderboard.html``: the same document (HTML self-contained apart from
  the PNGs it references relative to itself, or embeds with ``embed_images=True``);
- ``leaderboard.csv``: one row per entry, primary metric per suite/overall with CI and rank
  range, setup failures, missing counts; standard metrics' overall mean and CI;
- ``leaderboard_long.csv``: every (entry, metric, level, key) estimate with its interval and
  counts; ``comparisons.csv``: every pairwise comparison; ``set_metrics.csv``: FVD/KVD rows;
- ``plots/``: ``bars_<scope>.png`` (primary metric with 95% CI whiskers), ``heatmap_categories.png``,
  ``validity_auroc.png`` and ``validity_dose.png`` (with a validity table), ``strips/*.png``
  (frames of failed videos, with the check and its reason).

Validity table (``validity_csv``): columns ``metric, violation, auroc`` (required), optionally
``valid`` (the study's verdict per row), ``kind``, ``threshold``, ``fpr``, ``n_pos``, ``n_neg``.
Dose–response (optional): ``<stem>_dose.csv`` or ``validity_dose.csv`` beside it, with columns
``metric, violation, dose, value`` (optionally ``lo, hi``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.atomic import atomic_path, write_text
from bench.errors import UserError
from bench.report import load
from bench.report.compute import RANDOM_TAG, SECTION_TITLES, SECTIONS, Leaderboard, compute_leaderboard
from bench.report.render import H, IMG, MISSING, P, TABLE, Block, to_html, to_markdown
from bench.report.schema import LeaderboardSchema, load_schema
from bench.stats.aggregate import PASS_ID
from bench.stats.ranks import rank_label

_TEST_NAMES = {"p_perm": "sign-flip test over probes", "p_boot": "paired bootstrap test",
               "p_wilcoxon": "Wilcoxon signed-rank test"}


def how_to_read(schema: LeaderboardSchema) -> str:
    """The reading guide, stating the schema's own choices (interval level, weights, test)."""
    st, agg = schema.statistics, schema.aggregation
    level = f"{100 * float(st['ci']):g}%"
    weighted = bool(agg.get("category_weights") or agg.get("suite_weights"))
    weights = ("with the category and suite weights declared in `leaderboard_schema.yaml`" if weighted else
               "categories equally within a suite, suites equally overall (declared in `leaderboard_schema.yaml`)")
    seeds = ", seeds within probes" if st.get("resample_seeds", True) else ""
    adjust = " after Holm's correction over all pairs" if st.get("adjust") == "holm" else ""
    return (
        "**How to read this.** Each probe asks for one physical, permanence or identity behaviour; weight-free "
        "checks judge every video. The **probe pass rate** counts a video as passing when every probe check that "
        "applies to it passes; a video whose set-up the generator ignored (e.g. no red ball at all) counts as "
        "**setup failed**: a failure in the rate, also counted on its own. Scores average over seeds per probe, "
        f"then probes equally within a category, then {weights}. Brackets are **{level} bootstrap intervals** "
        f"(probes resampled within categories{seeds}). A rank such as **1–3** means the data cannot separate "
        "this entry from its neighbours: entries share a rank unless their paired difference on shared probes is "
        f"significant ({_TEST_NAMES.get(st.get('test'), st.get('test'))}, α = {st['alpha']}){adjust}. **—** "
        "means missing (metric unavailable or failed), never zero; **†** means the value rests on fewer "
        "categories than other entries have. **Controls** (the oracle world and its variants) are ground truth "
        "and deliberate failures, shown to prove the checks work; they are not generators. Entries marked "
        "**[random weights]** are plumbing checks, not real scores."
    )


# --------------------------------------------------------------------------- formatting


def fmt(x: Any, percent: bool = False) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return MISSING
    if not np.isfinite(v):
        return MISSING
    if percent:
        return f"{100 * v:.1f}%"
    if abs(v) >= 1000:
        return f"{v:.0f}"
    return f"{v:.4g}" if abs(v) >= 1 else f"{v:.3g}"


def fmt_ci(est: Any, lo: Any, hi: Any, percent: bool = False) -> str:
    e = fmt(est, percent)
    if e == MISSING:
        return MISSING
    lo_s, hi_s = fmt(lo, percent), fmt(hi, percent)
    if MISSING in (lo_s, hi_s):
        return e
    if percent:
        lo_s, hi_s = lo_s.rstrip("%"), hi_s.rstrip("%")
    return f"{e} [{lo_s}, {hi_s}]"


def fmt_p(p: Any) -> str:
    """A p-value: 3 significant digits, "< 1e-12" below that (a difference with no bootstrap spread)."""
    s = fmt(p)
    if s == MISSING:
        return s
    return "< 1e-12" if float(p) < 1e-12 else f"{float(p):.3g}"


def _is(x: Any, value: str | None) -> bool:
    """``x == value`` where ``None`` also matches NaN/None."""
    if value is None:
        return x is None or (isinstance(x, float) and np.isnan(x))
    return x == value


# --------------------------------------------------------------------------- validity


def load_validity(path: str | os.PathLike | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The validity table and, when present beside it, the dose–response table.

    Validity: ``metric, violation, auroc`` required (``bench.validity`` also writes
    ``detection_rate``, ``fpr_<nuisance>``, ``threshold``, ...).  Dose–response: ``metric,
    violation, dose, value`` or ``bench.validity``'s ``metric, violation, magnitude, auroc``.
    """
    if path is None:
        return None, None
    p = Path(path)
    if not p.exists():
        raise UserError(f"{p}: validity table not found")
    v = _read_csv(p, "validity table")
    need = {"metric", "violation", "auroc"}
    if not need <= set(v.columns):
        raise UserError(f"{p}: validity table needs columns {sorted(need)}, has {list(v.columns)}")
    v["auroc"] = pd.to_numeric(v["auroc"], errors="coerce")
    dose = None
    for cand in (p.with_name(f"{p.stem}_dose.csv"), p.with_name("validity_dose.csv")):
        if cand.exists():
            dose = _read_csv(cand, "dose table")
            if "dose" not in dose and "magnitude" in dose:
                dose = dose.rename(columns={"magnitude": "dose"})
            if "value" not in dose and "auroc" in dose:
                dose = dose.assign(value=dose["auroc"], quantity="AUROC")
            need = {"metric", "violation", "dose", "value"}
            if not need <= set(dose.columns):
                raise UserError(f"{cand}: dose table needs columns {sorted(need)} (or magnitude, auroc), "
                                f"has {list(dose.columns)}")
            break
    return v, dose


def _read_csv(p: Path, what: str) -> pd.DataFrame:
    from bench.safeio import LIMITS, regular_file

    regular_file(p, what, LIMITS["table"])  # no FIFO or device reaches pandas
    try:
        return pd.read_csv(p)
    except Exception as e:
        raise UserError(f"{p}: unreadable {what} ({type(e).__name__}: {e})") from None


# --------------------------------------------------------------------------- tables


def _norm(x: Any) -> str | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)


def _lookup(df: pd.DataFrame, cols: list[str]) -> dict[tuple, pd.Series]:
    return {tuple(_norm(v) for v in key): row for key, row in
            zip(df[cols].itertuples(index=False, name=None), (r for _, r in df.iterrows()))}


def _cell(lb: Leaderboard, entry: str, metric: str, level: str, suite: str | None = None,
          category: str | None = None) -> pd.Series | None:
    """The summary row of (entry, metric, level, suite, category), or None."""
    idx = lb.__dict__.get("_cells")
    if idx is None:
        idx = lb.__dict__["_cells"] = _lookup(lb.summary, ["entry", "metric", "level", "suite", "category"])
    return idx.get((entry, metric, level, _norm(suite), _norm(category)))


def _rank(lb: Leaderboard, entry: str, metric: str, level: str, suite: str | None = None) -> pd.Series | None:
    """The rank row of (entry, metric, level, suite), or None."""
    idx = lb.__dict__.get("_ranks")
    if idx is None:
        idx = lb.__dict__["_ranks"] = _lookup(lb.ranks, ["entry", "metric", "level", "suite"])
    return idx.get((entry, metric, level, _norm(suite)))


def _suites(lb: Leaderboard) -> list[str]:
    s = lb.summary[(lb.summary["level"] == "suite") & lb.summary["suite"].notna()]
    order = {"physics": 0, "permanence": 1, "identity": 2}
    return sorted(set(s["suite"]), key=lambda x: (order.get(x, 9), x))


def _cat_label(suite: str, cat: str) -> str:
    from bench.suites.schema import CATEGORIES

    name = CATEGORIES.get(suite, {}).get(cat)
    return f"{cat} {name}" if name else f"{suite}/{cat}"


def main_table(lb: Leaderboard, section: str) -> pd.DataFrame:
    """The headline table of one section (primary metric), best first."""
    pct = bool(lb.schema.primary.get("percent", True))
    suites = _suites(lb)
    rows = []
    vs = {**_vs_reference(lb), **_vs_reference(lb, "oracle3d")} if section == "control" else {}
    for e in lb.section_entries(section):
        c = _cell(lb, e, PASS_ID, "overall")
        r = _rank(lb, e, PASS_ID, "overall")
        if section == "control":
            # controls are compared with the clean oracle only: say whether each differs from it
            # (3-D world controls against the clean oracle3d, listed first)
            row = {"vs oracle": "reference" if e in ("oracle", "oracle3d") else vs.get(e, MISSING), "Model": e}
        else:
            row = {"Rank": rank_label(r["rank_lo"], r["rank_hi"]) if r is not None else MISSING, "Model": e}
        row["Overall"] = (fmt_ci(c["estimate"], c["ci_lo"], c["ci_hi"], pct) + (" †" if c["partial"] else "")
                          if c is not None and np.isfinite(c["estimate"]) else MISSING)
        for s in suites:
            cs = _cell(lb, e, PASS_ID, "suite", s)
            rs = _rank(lb, e, PASS_ID, "suite", s)
            if cs is None or not np.isfinite(cs["estimate"]):
                row[s] = MISSING
            else:
                row[s] = fmt_ci(cs["estimate"], cs["ci_lo"], cs["ci_hi"], pct) + (" †" if cs["partial"] else "")
                if rs is not None and section != "control":
                    row[s] += f" ({rank_label(rs['rank_lo'], rs['rank_hi'])})"
        row["Setup failed"] = int(c["n_setup_failed"]) if c is not None else 0
        row["Missing"] = int(c["n_missing"]) if c is not None else 0
        row["Videos"] = int(c["n_videos"]) if c is not None else 0
        est = c["estimate"] if c is not None and np.isfinite(c["estimate"]) else -1e9
        rank = (0 if e == "oracle3d" or e.startswith(("oracle3d+", "oracle3d~")) else 1) if section == "control" \
            else (r["rank"] if r is not None else 1e9)  # controls: the 3-D world first, then by estimate
        row["_k"] = (rank, -est)
        rows.append(row)
    df = pd.DataFrame(rows)
    if not len(df):
        return df
    return df.sort_values("_k", kind="mergesort").drop(columns="_k").reset_index(drop=True)


def _vs_reference(lb: Leaderboard, reference: str = "oracle") -> dict[str, str]:
    """Per control: its overall pass-rate difference from the clean oracle, flagged when the
    paired test is significant after Holm's correction (``lb.pairs`` holds only those pairs)."""
    p = lb.pairs
    if not len(p):
        return {}
    p = p[(p["metric"] == PASS_ID) & (p["level"] == "overall") & (p["section"] == "control")]
    out = {}
    for r in p.itertuples(index=False):
        if reference not in (r.a, r.b):
            continue
        other, d = (r.b, -r.diff) if r.a == reference else (r.a, r.diff)
        mark = "differs" if bool(r.significant) else "n.s."
        pp = round(100 * d, 1)
        diff = "±0.0" if pp == 0 else f"{pp:+.1f}"  # not "-0.0" for a difference that rounds to zero
        out[other] = f"{diff} pp, {mark} (p={fmt_p(r.p_adj)})"
    return out


def category_table(lb: Leaderboard) -> pd.DataFrame:
    pct = bool(lb.schema.primary.get("percent", True))
    s = lb.summary[(lb.summary["metric"] == PASS_ID) & (lb.summary["level"] == "category")]
    keys = sorted({(a, b) for a, b in zip(s["suite"], s["category"])},
                  key=lambda k: ({"physics": 0, "permanence": 1, "identity": 2}.get(k[0], 9), k))
    rows = []
    for e in lb.entries["entry"]:
        row = {"Model": e, "Section": lb.entries.set_index("entry").at[e, "section"]}
        for su, ca in keys:
            c = _cell(lb, e, PASS_ID, "category", su, ca)
            row[_cat_label(su, ca)] = fmt_ci(c["estimate"], c["ci_lo"], c["ci_hi"], pct) if c is not None else MISSING
        rows.append(row)
    return pd.DataFrame(rows)


def check_table(lb: Leaderboard) -> pd.DataFrame:
    """Per-check pass rate (overall) per entry, with setup failures."""
    checks = list(lb.checks["metric"])
    rows = []
    for e in lb.entries["entry"]:
        row = {"Model": e}
        for m in checks:
            c = _cell(lb, e, m, "overall")
            if c is None:
                row[lb.schema.display(m)] = MISSING
                continue
            v = fmt_ci(c["estimate"], c["ci_lo"], c["ci_hi"], True)
            if c["n_setup_failed"]:
                v += f"; {int(c['n_setup_failed'])} setup failed"
            row[lb.schema.display(m)] = v
        rows.append(row)
    return pd.DataFrame(rows)


def checks_status_table(lb: Leaderboard) -> pd.DataFrame:
    c = lb.checks
    return pd.DataFrame({
        "Check": c["display"], "Metric id": c["metric"],
        "In pass rate": ["yes" if x else "no" for x in c["in_primary"]],
        "Validated": [MISSING if (v is None or (isinstance(v, float) and np.isnan(v))) else ("yes" if v else "no")
                      for v in c.get("validated", pd.Series([None] * len(c)))],
        "Best AUROC": [fmt(v) for v in c.get("best_auroc", pd.Series([np.nan] * len(c)))],
        "Best detection": [fmt(v, True) for v in c.get("best_detection", pd.Series([np.nan] * len(c)))],
        "Max nuisance FPR": [fmt(v, True) for v in c.get("max_nuisance_fpr", pd.Series([np.nan] * len(c)))],
    })


def metric_table(lb: Leaderboard, group: str) -> pd.DataFrame:
    """Overall mean [95% CI] (rank) of every metric in ``group``, per entry."""
    s = lb.summary[(lb.summary["group"] == group) & (lb.summary["level"] == "overall")]
    metrics = list(dict.fromkeys(s["metric"]))
    arrows = {"higher": " ↑", "lower": " ↓", "none": ""}
    rows = []
    for e in lb.entries["entry"]:
        row = {"Model": e}
        for m in metrics:
            c = _cell(lb, e, m, "overall")
            col = lb.schema.display(m) + arrows.get(str(c["direction"]) if c is not None else "none", "")
            if c is None or not np.isfinite(c["estimate"]):
                row[col] = MISSING
                continue
            v = fmt_ci(c["estimate"], c["ci_lo"], c["ci_hi"]) + (" †" if c["partial"] else "")
            r = _rank(lb, e, m, "overall")
            if r is not None and np.isfinite(r["rank_lo"]):
                v += f" ({rank_label(r['rank_lo'], r['rank_hi'])})"
            row[col] = v
        rows.append(row)
    return pd.DataFrame(rows)


def sets_table(lb: Leaderboard) -> pd.DataFrame:
    s = lb.sets
    if not len(s):
        return pd.DataFrame()
    def value(v: Any, sd: Any) -> str:
        return f"{fmt(v)} ± {fmt(sd)}" if MISSING not in (fmt(v), fmt(sd)) else fmt(v)

    def count(x: Any) -> Any:
        x = pd.to_numeric(x, errors="coerce")
        return MISSING if not np.isfinite(x) or x == 0 else int(x)

    return pd.DataFrame({
        "Model": s["entry"], "Suite": s["suite"], "Metric": s["display"],
        "Value ± std": [value(v, sd) for v, sd in zip(s["value"], s["std"])],
        "N (generated)": [count(x) for x in s["n"]], "N (reference)": [count(x) for x in s["n_ref"]],
        "Subsets": [count(x) for x in s["n_subsets"]],
        "Real-vs-real floor": [fmt(v) + (f" (N={count(n)})" if count(n) != MISSING else "")
                               for v, n in zip(s["floor"], s["floor_n"])],
        "Reference": s["reference"],
        "Status": [st if st == "ok" else f"{st}: {r}" for st, r in zip(s["status"], s["reason"])],
    })


def significant_table(lb: Leaderboard) -> pd.DataFrame:
    p = lb.pairs
    if not len(p):
        return pd.DataFrame()
    p = p[(p["metric"] == PASS_ID) & p["significant"].astype(bool)]
    rows = []
    for r in p.itertuples(index=False):
        better, worse, d, lo, hi = (r.a, r.b, r.diff, r.ci_lo, r.ci_hi) if r.diff > 0 else \
            (r.b, r.a, -r.diff, -r.ci_hi, -r.ci_lo)
        scope = "overall" if r.level == "overall" else str(r.suite)
        rows.append({"Section": r.section, "Scope": scope, "Better": better, "Worse": worse,
                     "Difference [95% CI] (pp)": f"{100 * d:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]",
                     "p (Holm)": fmt_p(r.p_adj), "Bootstrap p": fmt_p(r.p_boot), "Wilcoxon p": fmt_p(r.p_wilcoxon),
                     "Rank-biserial": fmt(r.rank_biserial if r.diff > 0 else -r.rank_biserial),
                     "Shared probes": int(r.n_shared)})
    return pd.DataFrame(rows)


def mdd_table(lb: Leaderboard) -> pd.DataFrame:
    m = lb.mdd
    if not len(m):
        return pd.DataFrame()
    return pd.DataFrame({
        "Section": m["section"], "Scope": ["overall" if lv == "overall" else s for lv, s in zip(m["level"], m["suite"])],
        "Probes": m["n_probes"], "Effective n": [f"{x:.1f}" for x in m["n_eff"]],
        "Mean pass rate": [fmt(x, True) for x in m["pass_rate"]],
        "MDD unpaired (pp)": [fmt(100 * x) for x in m["mdd_unpaired"]],
        "MDD paired, observed (pp)": [fmt(100 * x) for x in m["mdd_paired"]],
    })


def audio_display(lb: Leaderboard) -> pd.DataFrame:
    """The audio column set for display (empty when no video has sound): sound presence and the
    pass rates of the audio-video checks, with the number of videos each judged."""
    a = lb.audio
    if a is None or not len(a):
        return pd.DataFrame()
    out = pd.DataFrame({"entry": a["entry"], "section": a["section"].map(SECTION_TITLES),
                        "videos with sound": [f"{w}/{n} ({fmt(s, True)})" for w, n, s in
                                              zip(a["with_sound"], a["videos"], a["sound_share"])]})
    for c in ("av.sync", "av.silence_when_still"):
        out[f"{c} pass"] = [f"{fmt(r, True)} (n={n})" if n else MISSING for r, n in zip(a[c], a[f"{c} n"])]
    return out


def wide_csv(lb: Leaderboard) -> pd.DataFrame:
    """One row per entry: machine-readable version of the headline tables."""
    suites = _suites(lb)
    rows = []
    for e in lb.entries.itertuples(index=False):
        row: dict[str, Any] = {"section": e.section, "entry": e.entry, "model": e.model,
                               "random_weights": bool(e.random_weights), "runs": e.runs}
        for scope in ["overall", *suites]:
            lv, su = ("overall", None) if scope == "overall" else ("suite", scope)
            c = _cell(lb, e.entry, PASS_ID, lv, su)
            r = _rank(lb, e.entry, PASS_ID, lv, su)
            pre = f"{scope}_pass_rate"
            row[pre] = c["estimate"] if c is not None else np.nan
            row[f"{pre}_ci_lo"] = c["ci_lo"] if c is not None else np.nan
            row[f"{pre}_ci_hi"] = c["ci_hi"] if c is not None else np.nan
            row[f"{scope}_rank_lo"] = r["rank_lo"] if r is not None else np.nan
            row[f"{scope}_rank_hi"] = r["rank_hi"] if r is not None else np.nan
            for k in ("n_probes", "n_videos", "n_setup_failed", "n_missing", "partial"):
                row[f"{scope}_{k}"] = c[k] if c is not None else np.nan
        s = lb.summary[(lb.summary["entry"] == e.entry) & (lb.summary["level"] == "overall")
                       & (lb.summary["metric"] != PASS_ID) & (lb.summary["group"] != "probe")]
        for c in s.itertuples(index=False):
            row[f"{c.metric}_mean"] = c.estimate
            row[f"{c.metric}_ci_lo"] = c.ci_lo
            row[f"{c.metric}_ci_hi"] = c.ci_hi
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- plots


def _plots(lb: Leaderboard, out: Path) -> list[tuple[str, str]]:
    from bench.report import plots

    pdir = out / "plots"
    made: list[tuple[str, str]] = []
    pct = bool(lb.schema.primary.get("percent", True))
    name = lb.schema.display(PASS_ID)
    s = lb.summary[lb.summary["metric"] == PASS_ID]
    for scope in ["overall", *_suites(lb)]:
        rows = s[(s["level"] == "overall")] if scope == "overall" else s[(s["level"] == "suite") & (s["suite"] == scope)]
        if not len(rows):
            continue
        p = plots.bars_with_ci(rows, pdir / f"bars_{scope}.png", title=f"{name}: {scope} (95% CI)",
                               ylabel=name + (" (%)" if pct else ""), percent=pct)
        made.append((str(p.relative_to(out)), f"{name}, {scope}: bars are estimates, whiskers 95% bootstrap CIs."))
    cat = s[s["level"] == "category"]
    if len(cat):
        cat = cat.assign(col=[_cat_label(a, b) for a, b in zip(cat["suite"], cat["category"])])
        order = {"physics": 0, "permanence": 1, "identity": 2}
        cols = [_cat_label(a, b) for a, b in sorted(set(zip(cat["suite"], cat["category"])),
                                                     key=lambda k: (order.get(k[0], 9), k))]
        mat = cat.pivot_table(index="entry", columns="col", values="estimate", aggfunc="first", dropna=False)
        mat = mat.reindex(index=[e for e in lb.entries["entry"] if e in mat.index], columns=cols)
        p = plots.heatmap(mat, pdir / "heatmap_categories.png", title=f"{name} by category (grey: missing)")
        made.append((str(p.relative_to(out)), f"{name} per category and model; grey cells are missing, not zero."))
    if lb.validity is not None and len(lb.validity):
        mat = lb.validity.pivot_table(index="metric", columns="violation", values="auroc", aggfunc="mean")
        p = plots.heatmap(mat, pdir / "leaderboard_validity.png", title="Metric validity: AUROC clean vs violated",
                          fmt="{:.2f}", cmap="RdBu", xlabel="violation", ylabel="metric")
        made.append((str(p.relative_to(out)), "AUROC of each metric at separating clean from violated oracle renders "
                                               "(0.5 = blind, 1 = perfect)."))
    if lb.dose is not None and len(lb.dose):
        ylabel = str(lb.dose["quantity"].iloc[0]) if "quantity" in lb.dose else "value"
        p = plots.dose_response(lb.dose, pdir / "leaderboard_validity_dose.png", ylabel=ylabel)
        made.append((str(p.relative_to(out)), "Dose–response: each metric against the violation's magnitude."))
    return made


def _strips(lb: Leaderboard, out: Path) -> list[tuple[str, str]]:
    """Frame strips of failed videos: a few per entry, spread over different checks."""
    from bench.report import plots
    from bench.store.run import safe_name
    from bench.video import read_video

    per, cap, nfr = (int(lb.schema.report.get(k)) for k in ("strips_per_model", "strips_max", "strip_frames"))
    f = lb.failures
    made: list[tuple[str, str]] = []
    if not len(f) or per <= 0:
        return made
    for entry, g in f.groupby("entry", sort=False):
        picks, seen = [], set()
        for pass_ in (0, 1):  # first one per distinct check, then any
            for r in g.itertuples(index=False):
                if len(picks) >= per:
                    break
                if (pass_ == 0 and r.metric in seen) or r in picks:
                    continue
                seen.add(r.metric)
                picks.append(r)
        for i, r in enumerate(picks):
            if len(made) >= cap:
                return made
            path = _lossless(r.abs_path)
            if path is None:
                continue
            try:
                video = read_video(path)
            except UserError:
                continue
            lines = [f"{entry} · {r.probe_id} (sample {int(r.sample)}) · {lb.schema.display(r.metric)}: {r.verdict}",
                     f"reason: {r.reason or MISSING}", f"prompt: {r.prompt or MISSING}"]
            name = f"strips/{safe_name(entry)}-{i}.png"
            plots.frame_strip(video.frames, out / "plots" / name, title_lines=lines, n_frames=nfr,
                              highlight=plots.frame_windows(str(r.reason or "")))
            made.append((f"plots/{name}", " — ".join(lines)))
    return made


def _lossless(p: Any) -> Path | None:
    if not isinstance(p, str) or not p:
        return None
    path = Path(p)
    mkv = path.with_suffix(".mkv")
    if mkv.exists():
        return mkv
    return path if path.exists() else None


# --------------------------------------------------------------------------- document

_PROV_NAMES = {
    "run_id": "Run", "profile": "Profile", "date": "Date", "git_commit": "Git commit",
    "bench_version": "bench", "random_weights": "Random weights", "suites": "Suites (sha256)",
    "packages": "Packages", "python": "Python", "hardware": "Hardware", "section": "Section", "entry": "Entry",
    "model": "Model", "source": "Source", "access": "Access", "revision": "Revision", "runs": "Runs",
    "videos": "Videos", "signals_observed": "Provenance signals observed", "signals_claimed": "Claimed (card)",
}


def document(lb: Leaderboard, plots_: list[tuple[str, str]], strips: list[tuple[str, str]]) -> list[Block]:
    sch = lb.schema
    b: list[Block] = [H("Leaderboard: physics, object permanence and identity in text-to-video", 1)]
    runs = ", ".join(lb.runs["run_id"].astype(str)) if len(lb.runs) else MISSING
    b.append(P(f"Runs: {runs}. Leaderboard schema v{sch.version} (sha256 {sch.sha256[:12]}), "
               f"{sch.statistics['n_boot']} bootstrap replicates, seed {lb.seed}."))
    b.append(P(how_to_read(sch), trusted=True))
    for w in lb.warnings:
        b.append(P("Note: " + w, cls="warn"))

    for sec in SECTIONS:
        t = main_table(lb, sec)
        if sec == "generator" and not len(t):
            b += [H(SECTION_TITLES[sec]), P("No generator in these runs.")]
            continue
        if not len(t):
            continue
        b.append(H(SECTION_TITLES[sec]))
        if sec == "control":
            b.append(P("Controls are the oracle worlds (ground truth; the 3-D world `oracle3d…` first, then the flat "
                       "2-D world `oracle…`, each compared with its own clean render) and its controlled violations (`oracle+…`) and "
                       "nuisances (`oracle~…`). The oracle should pass, violations should fail, nuisances should not "
                       "change verdicts. They are not ranked: the first column gives each control's overall "
                       "difference from the clean `oracle` (paired on shared probes; Holm-corrected p).",
                       trusted=True))
        if sec == "random":
            b.append(P(f"Made with randomly initialised weights (run.json or manifest `random_weights`): these rows "
                       f"test the plumbing and are **not** scores of any real model (suffix `{RANDOM_TAG.strip()}`).",
                       trusted=True))
        b.append(TABLE(t, f"{sch.display(PASS_ID)} [95% CI]" + ("; in brackets after a suite value: its rank "
                          "range within this section." if sec != "control" else ".")))

    b += [H("Pass rate by category"), TABLE(category_table(lb))]
    at = audio_display(lb)
    if len(at):   # shown only when some video has sound
        b += [H("Audio"), TABLE(at, "Videos with a sound track (manifest `audio`), and the pass rate of the "
                                    "weight-free audio-video checks over the videos each judged (not applicable "
                                    "and missing left out; raw shares, not probe-weighted).")]
    if len(lb.checks):
        b += [H("Probe checks")]
        b.append(TABLE(checks_status_table(lb), "Which checks enter the pass rate:"))
        b.append(TABLE(check_table(lb), "Pass rate of each check (overall, 95% CI); setup failures count as "
                                        "failures:"))
    captions = {"standard": "Mean over probes [95% CI] (rank range within section); ↑ higher is better, "
                            "↓ lower is better.",
                "covariate": "Mean over probes [95% CI]. Context for the metrics above (e.g. consistency scores "
                             "reward static videos), not a quality score, never ranked."}
    for grp in ("standard", "covariate"):
        t = metric_table(lb, grp)
        if t.shape[1] > 1:
            b += [H(sch.group_display(grp)), TABLE(t, captions[grp])]
    others = sorted(set(lb.summary["group"]) - {PASS_ID, "probe", "standard", "covariate"})
    for grp in others:
        b += [H(sch.group_display(grp)), TABLE(metric_table(lb, grp))]
    if len(lb.sets):
        b += [H("Set-level metrics (FVD, KVD)"),
              TABLE(sets_table(lb), "Mean ± std over disjoint subsets of N generated vs N reference videos; compare "
                                    "models only at the same N, and against the real-vs-real floor at that N.")]
    b += [H("Significant differences")]
    st = significant_table(lb)
    if len(st):
        b.append(TABLE(st, f"Pairs whose pass rates differ after Holm's correction (α = {sch.statistics['alpha']}) "
                           f"of the `{sch.statistics['test']}` p-values over all pairs of a section and scope; the "
                           "other tests are shown for comparison, and every pair is in `comparisons.csv`."))
    else:
        b.append(P("No pair of entries differs significantly after Holm's correction (all pairs are in "
                   "`comparisons.csv`).", trusted=True))
    if len(lb.mdd):
        b += [H("Minimum detectable difference"),
              TABLE(mdd_table(lb), f"Smallest true difference in pass rate detectable with power "
                                   f"{sch.statistics['power']} at α = {sch.statistics['alpha']} (two-sided), "
                                   "given this run's number of probes: unpaired uses p(1−p) at the mean pass "
                                   "rate; paired uses the observed root-mean-square per-probe difference between "
                                   "two entries (McNemar's discordant proportion for pass/fail), median over pairs.")]
    if lb.validity is not None:
        r = sch.validity
        b += [H("Metric validity"),
              P("From the validity study on oracle renders with controlled violations and nuisances. A probe check "
                f"enters the pass rate only when validated: its verdict flags at least {100 * r['min_detection']:g}% "
                f"of the violated videos for some violation (AUROC ≥ {r['min_auroc']} for tables without detection "
                f"rates) and no nuisance flips more than {100 * r['max_nuisance_fpr']:g}% of clean videos; see the "
                "table of checks above.")]
    if plots_:
        b.append(H("Plots"))
        b += [IMG(src, cap) for src, cap in plots_]
    b.append(H("Failure samples"))
    if strips:
        b += [IMG(src, cap) for src, cap in strips]
    else:
        b.append(P("No failed probe check with a readable video."))
    b += [H("Provenance"), TABLE(lb.runs.rename(columns=_PROV_NAMES), "Runs:"),
          TABLE(lb.models.rename(columns=_PROV_NAMES), "Models (source and access from the manifest; provenance signals observed in "
                                                     "the videos beside those the model card claims):"),
          P(f"Leaderboard schema: {Path(sch.path).name} v{sch.version}, sha256 {sch.sha256}.")]
    return b


# --------------------------------------------------------------------------- entry point


def _write_csv(df: pd.DataFrame, path: Path) -> Path:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)
    return path


def build_leaderboard(run_dirs: Any, out_dir: str | os.PathLike, *, validity_csv: str | os.PathLike | None = None,
                      schema: str | os.PathLike | LeaderboardSchema | None = None, seed: int = 0,
                      embed_images: bool = False, strips: bool = True, site: bool = True) -> dict[str, Any]:
    """Build the leaderboard for ``run_dirs`` into ``out_dir``; see the module docstring.

    With ``site`` (default) the same ``Leaderboard`` is also rendered as the static results site
    ``out_dir/site/`` (``bench.report.site``).

    Returns ``{"files": [paths written], "plots": [...], "strips": [...], "tables": {name:
    DataFrame}, "leaderboard": Leaderboard, "markdown": str}``.
    """
    dirs = load.run_dirs(run_dirs)
    out = Path(out_dir)
    from bench.safeio import make_out_dir

    make_out_dir(out, "output folder")
    sch = schema if isinstance(schema, LeaderboardSchema) else load_schema(schema)
    validity, dose = load_validity(validity_csv)
    lb = compute_leaderboard(load.scores_df(dirs), load.set_scores_df(dirs), load.manifest_df(dirs),
                             load.runs_df(dirs), schema=sch, validity=validity, dose=dose, seed=seed)
    plot_list = _plots(lb, out)
    strip_list = _strips(lb, out) if strips else []
    blocks = document(lb, plot_list, strip_list)
    md = to_markdown(blocks)
    files = []
    write_text(out / "leaderboard.md", md)
    files.append(out / "leaderboard.md")
    write_text(out / "leaderboard.html", to_html(blocks, title="bench leaderboard", base=out, embed_images=embed_images))
    files.append(out / "leaderboard.html")
    tables = {
        "generators": main_table(lb, "generator"), "controls": main_table(lb, "control"),
        "random": main_table(lb, "random"), "categories": category_table(lb), "checks": check_table(lb),
        "standard": metric_table(lb, "standard"), "covariates": metric_table(lb, "covariate"),
        "sets": sets_table(lb), "significant": significant_table(lb), "mdd": mdd_table(lb),
    }
    files.append(_write_csv(wide_csv(lb), out / "leaderboard.csv"))
    files.append(_write_csv(lb.summary, out / "leaderboard_long.csv"))
    files.append(_write_csv(lb.pairs, out / "comparisons.csv"))
    files.append(_write_csv(lb.sets, out / "set_metrics.csv"))
    files += [out / p for p, _ in plot_list + strip_list]
    if site:
        from bench.report.site import build_site

        files += build_site(lb, dirs, out / "site")
    return {"files": [str(f) for f in files], "plots": [str(out / p) for p, _ in plot_list],
            "strips": [str(out / p) for p, _ in strip_list], "tables": tables, "leaderboard": lb, "markdown": md}
