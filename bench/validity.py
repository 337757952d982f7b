"""The metric validity matrix: which failures can each metric see at all?

Input: one scored run whose models are the clean ``oracle``, violation variants
``oracle+<violation>:<magnitude>`` and nuisance variants ``oracle~<nuisance>:<level>``.  Seeds
depend on (probe, sample) only, never on the model, so every variant of a (probe, sample) is the
same simulated scene with one controlled change: the comparisons below are paired.

For each metric m and violation v (pooled over magnitudes for the headline, per magnitude for
the dose-response):

- **pairs used**: (probe, sample) where m produced a value for both the clean and the violated
  video, and the violation actually changed the video (decoded pixel hashes differ; a violation
  that has nothing to act on in a probe -- "vanish behind the occluder" with no occluder -- is
  left out rather than diluting the score).
- **AUROC** of clean vs violated: ``P(s_clean better than s_violated) + 0.5 P(tie)`` with
  "better" from the metric's declared direction (Mann-Whitney U / (n_c n_v)).  1 = the metric
  always ranks the clean video better, 0.5 = blind, < 0.5 = it prefers the violation.  For
  direction ``none`` (covariates) the AUROC is computed as if higher were better and flagged.
- **threshold**: the value maximising Youden's J = TPR - FPR on clean vs violated (flagged =
  on the "worse" side of the threshold).  Probe checks also report the **detection rate** of
  their own verdicts (share of violated videos not passing) and the clean failure rate.
- **dose-response**: AUROC at each magnitude; **monotone** when it never decreases by more than
  0.05 as the magnitude grows (a tolerance for sampling noise at these sizes).
- **detection_at_max**: the detection rate at the violation's largest magnitude; **targets**:
  whether the oracle world designed this violation to trip this check; **clean_fail_rate**: the
  share of clean videos a probe check does not pass; **valid**: see ``_valid`` below.

For each metric m and nuisance n: the **false-positive rate** = share of pairs where the clean
video is not flagged and the nuisance video is (verdict flips to fail for probe checks; crossing
the metric's pooled threshold for the others).  A sound check has a high AUROC for the
violations it targets and a nuisance FPR near 0.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.atomic import atomic_path, write_text
from bench.textsafe import md  # run folder, suite and metric names are user text

_VIOL = re.compile(r"^oracle(?:3d)?\+([A-Za-z0-9_]+)(?::([0-9.]+))?$")
_NUIS = re.compile(r"^oracle(?:3d)?~([A-Za-z0-9_]+)(?::([0-9.]+))?$")
#: The oracle world of a model name: its clean model and the ``world`` column's value.
WORLDS = {"3d": "oracle3d", "2d": "oracle"}


def variant_world(model: str) -> str | None:
    """"3d" for the 3-D oracle world's models (``oracle3d...``), "2d" for the 2-D world's, else None."""
    if model == "oracle3d" or model.startswith(("oracle3d+", "oracle3d~")):
        return "3d"
    if model == "oracle" or model.startswith(("oracle+", "oracle~")):
        return "2d"
    return None


def parse_variant(model: str) -> tuple[str, str | None, float | None]:
    """('clean'|'violation'|'nuisance'|'other', name, magnitude), for either world."""
    if model in WORLDS.values():
        return "clean", None, None
    m = _VIOL.match(model)
    if m:
        return "violation", m.group(1), float(m.group(2)) if m.group(2) else 1.0
    m = _NUIS.match(model)
    if m:
        return "nuisance", m.group(1), float(m.group(2)) if m.group(2) else None
    return "other", None, None


def auroc(clean: np.ndarray, bad: np.ndarray, higher_is_better: bool = True) -> float:
    """P(clean better than bad) + 0.5 P(tie), exact over all pairs (Mann-Whitney)."""
    clean, bad = np.asarray(clean, float), np.asarray(bad, float)
    if len(clean) == 0 or len(bad) == 0:
        return math.nan
    if not higher_is_better:
        clean, bad = -clean, -bad
    diff = clean[:, None] - bad[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def youden_threshold(clean: np.ndarray, bad: np.ndarray, higher_is_better: bool = True) -> tuple[float, float]:
    """(threshold, J): flag a video when its value is worse than the threshold.

    With higher-is-better, "worse" is ``value < threshold``; candidate thresholds are midpoints
    between sorted distinct values (and the extremes), so the split is exact on the sample.
    """
    clean, bad = np.asarray(clean, float), np.asarray(bad, float)
    if len(clean) == 0 or len(bad) == 0:
        return math.nan, math.nan
    sgn = 1.0 if higher_is_better else -1.0
    c, b = sgn * clean, sgn * bad
    vals = np.unique(np.concatenate([c, b]))
    cands = np.concatenate([[vals[0] - 1.0], (vals[:-1] + vals[1:]) / 2, [vals[-1] + 1.0]])
    tpr = (b[None, :] < cands[:, None]).mean(axis=1)
    fpr = (c[None, :] < cands[:, None]).mean(axis=1)
    j = tpr - fpr
    i = int(np.argmax(j))
    return float(sgn * cands[i]), float(j[i])


def _flagged(values: np.ndarray, thr: float, higher_is_better: bool) -> np.ndarray:
    return values < thr if higher_is_better else values > thr


def validity_tables(scores: pd.DataFrame, manifest: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Compute the matrix from a run's scores and manifest.  Returns ``matrix`` (one row per
    (world, metric, violation)), ``dose`` (per magnitude) and ``nuisance`` (per (world, metric,
    nuisance)); ``world`` is "3d" or "2d" (``variant_world``), 3-D rows first."""
    ok = scores[(scores["status"] == "ok") & scores["value"].notna()].copy()
    ok["world"] = ok["model"].map(variant_world)
    ok = ok[ok["world"].notna()]
    parts = [_world_tables(ok[ok["world"] == w], manifest, w, WORLDS[w]) for w in WORLDS if (ok["world"] == w).any()]
    if not parts:
        return {"matrix": pd.DataFrame(), "dose": pd.DataFrame(), "nuisance": pd.DataFrame()}
    out = {k: pd.concat([p[k] for p in parts], ignore_index=True) for k in ("matrix", "dose", "nuisance")}
    return out


def _world_tables(ok: pd.DataFrame, manifest: pd.DataFrame, world: str, clean_model: str) -> dict[str, pd.DataFrame]:
    """``validity_tables`` for the scores of one world (its clean model ``clean_model``)."""
    ok = ok.copy()
    kinds = ok["model"].map(parse_variant)
    ok["variant"] = [k[0] for k in kinds]
    ok["vname"] = [k[1] for k in kinds]
    ok["mag"] = [k[2] for k in kinds]
    key = ["suite", "probe_id", "sample"]
    man = manifest[manifest.get("status", pd.Series("ok", index=manifest.index)).fillna("ok") == "ok"]
    # audio hook: a video's content is its pixels and, when it has one, its sound track
    chash = {(r.model, r.suite, r.probe_id, int(r.sample)): (r.content_sha256, _audio_sha(getattr(r, "audio", None)))
             for r in man.itertuples() if isinstance(getattr(r, "content_sha256", None), str)}

    mrows, drows, nrows = [], [], []
    targets = _targets()
    for metric, g in ok.groupby("metric", sort=True):
        direction = g["direction"].iloc[0]
        hib = direction != "lower"
        kind = g["metric_kind"].iloc[0]
        clean = g[g["variant"] == "clean"].set_index(key)
        if clean.empty:
            continue
        pooled_thr: dict[str, float] = {}
        for vname, gv in g[g["variant"] == "violation"].groupby("vname", sort=True):
            pairs_c, pairs_v, by_mag = [], [], {}
            verd_v = []
            for r in gv.itertuples():
                k = (r.suite, r.probe_id, int(r.sample))
                if k not in clean.index:
                    continue
                if _unchanged(chash.get((clean_model,) + k), chash.get((r.model,) + k)):
                    continue  # the violation had nothing to act on in this probe
                cval = float(clean.loc[k, "value"]) if not isinstance(clean.loc[k, "value"], pd.Series) else float(clean.loc[k, "value"].iloc[0])
                pairs_c.append(cval)
                pairs_v.append(float(r.value))
                verd_v.append(r.verdict)
                by_mag.setdefault(r.mag, ([], [], []))
                by_mag[r.mag][0].append(cval)
                by_mag[r.mag][1].append(float(r.value))
                by_mag[r.mag][2].append(r.verdict)
            if not pairs_v:
                continue
            c, v = np.array(pairs_c), np.array(pairs_v)
            thr, j = youden_threshold(c, v, hib)
            pooled_thr[vname] = thr
            dose = []
            for mag in sorted(by_mag):
                a = auroc(np.array(by_mag[mag][0]), np.array(by_mag[mag][1]), hib)
                dose.append((mag, a))
                drows.append({"world": world, "metric": metric, "violation": vname, "magnitude": mag, "auroc": a,
                              "n": len(by_mag[mag][1])})
            aurocs = [a for _, a in dose]
            monotone = (all(b >= a - 0.05 for a, b in zip(aurocs, aurocs[1:])) if len(aurocs) > 1 else None)
            top = by_mag[max(by_mag)]
            row = {"world": world, "metric": metric, "metric_kind": kind, "direction": direction, "violation": vname,
                   "targets": metric in targets.get(vname, ()),
                   "n_pairs": len(v), "auroc": auroc(c, v, hib), "threshold": thr, "youden_j": j,
                   "monotone": monotone, "magnitudes": len(dose), "max_magnitude": max(by_mag),
                   "dose": ";".join(f"{m:g}:{a:.3f}" for m, a in dose)}
            if kind == "probe":
                row["detection_rate"] = float(np.mean([vd != "pass" for vd in verd_v]))
                row["detection_at_max"] = float(np.mean([vd != "pass" for vd in top[2]]))
                row["clean_fail_rate"] = float((clean["verdict"] != "pass").mean())
            else:
                row["detection_rate"] = float(_flagged(v, thr, hib).mean())
                row["detection_at_max"] = float(_flagged(np.array(top[1]), thr, hib).mean())
                row["clean_fail_rate"] = math.nan
            mrows.append(row)
        # nuisances: flips relative to the clean video of the same (probe, sample)
        thr_all = np.nanmedian(list(pooled_thr.values())) if pooled_thr else math.nan
        for nname, gn in g[g["variant"] == "nuisance"].groupby("vname", sort=True):
            flips, n = 0, 0
            for r in gn.itertuples():
                k = (r.suite, r.probe_id, int(r.sample))
                if k not in clean.index:
                    continue
                crow = clean.loc[k]
                if isinstance(crow, pd.DataFrame):
                    crow = crow.iloc[0]
                if kind == "probe":
                    c_flag, n_flag = crow["verdict"] != "pass", r.verdict != "pass"
                elif np.isfinite(thr_all):
                    c_flag = bool(_flagged(np.array([crow["value"]]), thr_all, hib)[0])
                    n_flag = bool(_flagged(np.array([r.value]), thr_all, hib)[0])
                else:
                    continue
                if not c_flag:
                    n += 1
                    flips += int(n_flag)
            nrows.append({"world": world, "metric": metric, "nuisance": nname, "n": n,
                          "fpr": flips / n if n else math.nan})
    matrix = pd.DataFrame(mrows)
    nuis = pd.DataFrame(nrows)
    if len(matrix) and len(nuis):
        wide = nuis.pivot_table(index=["world", "metric"], columns="nuisance", values="fpr", aggfunc="first")
        wide.columns = [f"fpr_{c}" for c in wide.columns]
        matrix = matrix.merge(wide.reset_index(), on=["world", "metric"], how="left")
    if len(matrix):
        matrix["valid"] = _valid(matrix)
    return {"matrix": matrix, "dose": pd.DataFrame(drows), "nuisance": nuis}


#: A probe check is **valid** (enters the leaderboard's pass rate) when, for at least one
#: violation with >= MIN_PAIRS pairs, its verdict fails >= MIN_DETECTION of the violated videos at
#: that violation's largest magnitude, it fails <= MAX_CLEAN_FAIL of clean videos, and no
#: nuisance flips more than MAX_NUISANCE_FPR of clean passes.  The column is per row; the
#: leaderboard takes a check as valid when any of its rows is, in **every** world the table has
#: (with both worlds scored, a check must pass the gate in the 3-D and in the 2-D world).
MIN_DETECTION, MAX_CLEAN_FAIL, MAX_NUISANCE_FPR, MIN_PAIRS = 0.8, 0.1, 0.1, 3


def _valid(m: pd.DataFrame) -> pd.Series:
    fpr_cols = [c for c in m.columns if str(c).startswith("fpr_")]
    worst_fpr = m[fpr_cols].max(axis=1).fillna(0.0) if fpr_cols else pd.Series(0.0, index=m.index)
    return ((m["metric_kind"] == "probe") & (m["n_pairs"] >= MIN_PAIRS)
            & (m["detection_at_max"] >= MIN_DETECTION) & (m["clean_fail_rate"].fillna(1.0) <= MAX_CLEAN_FAIL)
            & (worst_fpr <= MAX_NUISANCE_FPR))


def _targets() -> dict[str, tuple[str, ...]]:
    """Violation -> the probe checks it is designed to trip (from the oracle world)."""
    try:
        from bench.world import VIOLATIONS
    except ImportError:  # pragma: no cover - the world is part of the package
        return {}
    from bench.audio.edits import AUDIO_VIOLATIONS

    return {name: tuple(spec.checks) for name, spec in VIOLATIONS.items()} | {
        name: ("av.sync",) for name in AUDIO_VIOLATIONS}


def _unchanged(clean: tuple | None, other: tuple | None) -> bool:
    """Same pixels, and the same sound when the variant has one (a silent picture violation
    of a clean render with sound is judged on its pixels alone)."""
    if clean is None or other is None:
        return False
    return clean[0] == other[0] and (other[1] is None or clean[1] == other[1])


def _audio_sha(audio: Any) -> str | None:
    """The sound track's hash from a manifest row's ``audio`` record (None: silent)."""
    return audio.get("sha256") if isinstance(audio, dict) else None


def write_validity(tables: dict[str, pd.DataFrame], out: Path, *, provenance: dict[str, Any]) -> list[Path]:
    """validity.csv (one row per (metric, violation) + fpr_<nuisance> columns), validity_dose.csv,
    validity_nuisance.csv, validity.md, validity.html and plots/validity_auroc.png, atomically."""
    from bench.safeio import make_out_dir

    make_out_dir(out, "output folder")
    m, d, n = tables["matrix"], tables["dose"], tables["nuisance"]
    paths = []
    for name, df in (("validity.csv", m), ("validity_dose.csv", d), ("validity_nuisance.csv", n)):
        with atomic_path(out / name) as tmp:
            df.to_csv(tmp, index=False, float_format="%.4f")
        paths.append(out / name)
    png = out / "plots" / "validity_auroc.png"
    if len(m):
        _heatmap(m, png)
        paths.append(png)
    md = _markdown(m, n, provenance)
    write_text(out / "validity.md", md)
    write_text(out / "validity.html", _html(m, n, provenance, "plots/validity_auroc.png" if len(m) else None))
    paths += [out / "validity.md", out / "validity.html"]
    return paths


def _heatmap(m: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    idx = ["world", "metric"] if "world" in m else "metric"
    piv = m.pivot_table(index=idx, columns="violation", values="auroc", aggfunc="first")
    if "world" in m:
        piv = piv.sort_index(level=0, ascending=False)            # 3d before 2d
        piv.index = [f"{w} {mt}" for w, mt in piv.index]
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * piv.shape[1], 1.2 + 0.34 * piv.shape[0]))
    im = ax.imshow(piv.values, vmin=0, vmax=1, cmap="RdYlGn", aspect="auto")
    from bench.textsafe import plain

    ax.set_xticks(range(piv.shape[1]), [plain(c) for c in piv.columns], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(piv.shape[0]), [plain(c) for c in piv.index], fontsize=8)
    for i in range(piv.shape[0]):
        for j in range(piv.shape[1]):
            v = piv.values[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6)
    ax.set_title("AUROC clean vs violated (1 = always sees it, 0.5 = blind)", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.03)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.2f}"
    return str(x)


def _markdown(m: pd.DataFrame, n: pd.DataFrame, prov: dict[str, Any]) -> str:
    lines = ["# Metric validity matrix", "",
             "AUROC of clean oracle renders vs renders with one controlled violation (paired by probe "
             "and seed; 1 = the metric always ranks the clean video better, 0.5 = blind). "
             "`monotone`: the AUROC does not fall as the violation's magnitude grows. "
             "Nuisance columns: false-positive rate (share of clean-passing videos flagged after the "
             "nuisance). See `bench/validity.py` for the exact definitions.", "",
             f"Run: {md(prov.get('run_id', '?'))} · suites: "
             + ", ".join(f"{md(k)} `{md(str(v)[:12])}`" for k, v in sorted(prov.get("suites", {}).items()))
             + f" · bench {prov.get('bench_version', '?')} · git `{str(prov.get('git', {}).get('commit', '?'))[:12]}`", ""]
    if not len(m):
        return "\n".join(lines + ["No (metric, violation) pairs were scored.", ""])
    if "world" not in m:
        return "\n".join(lines + _world_markdown(m, n, "##"))
    titles = {"3d": "3-D world (`oracle3d`: perspective, shading, shadows, textures, blur, noise)",
              "2d": "2-D world (`oracle`: flat shapes)"}
    for w in WORLDS:                                   # the 3-D world first
        mw = m[m["world"] == w]
        if not len(mw):
            continue
        nw = n[n["world"] == w] if len(n) and "world" in n else n.iloc[0:0]
        lines += [f"## {titles[w]}", ""] + _world_markdown(mw, nw, "###")
    return "\n".join(lines)


def _world_markdown(m: pd.DataFrame, n: pd.DataFrame, h: str) -> list[str]:
    lines = []
    piv = m.pivot_table(index="metric", columns="violation", values="auroc", aggfunc="first")
    lines.append(f"{h} AUROC per (metric, violation)")
    lines.append("")
    lines.append("| metric | " + " | ".join(md(c) for c in piv.columns) + " |")
    lines.append("|---|" + "---|" * len(piv.columns))
    for metric, row in piv.iterrows():
        lines.append(f"| {md(metric)} | " + " | ".join(md(_fmt(v)) for v in row.values) + " |")
    if len(n):
        lines += ["", f"{h} False-positive rate under nuisances", ""]
        pn = n.pivot_table(index="metric", columns="nuisance", values="fpr", aggfunc="first")
        lines.append("| metric | " + " | ".join(md(c) for c in pn.columns) + " |")
        lines.append("|---|" + "---|" * len(pn.columns))
        for metric, row in pn.iterrows():
            lines.append(f"| {md(metric)} | " + " | ".join(md(_fmt(v)) for v in row.values) + " |")
    lines += ["", "The full table (threshold, detection rate, dose-response) is `validity.csv`.", ""]
    return lines


def _html(m: pd.DataFrame, n: pd.DataFrame, prov: dict[str, Any], img: str | None) -> str:
    from bench.textsafe import html_text as e  # control characters made visible, then HTML-escaped

    body = [f"<h1>Metric validity matrix</h1><p>Run <code>{e(str(prov.get('run_id', '?')))}</code>. "
            "AUROC of clean vs violated oracle renders (paired by probe and seed), dose-response "
            "monotonicity, and false-positive rates under nuisances. Definitions: "
            "<code>bench/validity.py</code>.</p>"]
    if img:
        body.append(f'<img src="{e(img)}" alt="validity heatmap" style="max-width:100%">')
    if len(m):
        cols = [c for c in m.columns if c not in ("direction",)]
        body.append("<h2>Per (metric, violation)</h2><table><tr>" + "".join(f"<th>{e(c)}</th>" for c in cols) + "</tr>")
        for r in m[cols].itertuples(index=False):
            body.append("<tr>" + "".join(f"<td>{e(_fmt(v))}</td>" for v in r) + "</tr>")
        body.append("</table>")
    style = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;"
             "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
             "th{background:#eee}td:first-child{text-align:left}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>bench validity matrix</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n")
