"""Everything a leaderboard shows, as DataFrames (no files, no plots): ``compute_leaderboard``.

Entries.  The unit of a leaderboard row is an **entry**: a model, split by whether its videos or
scores came from random weights.  An entry is in one of three sections:

- ``generator``: a text-to-video model;
- ``control``: the oracle world and its variants (model name matching the schema's control
  patterns: ``oracle``, ``oracle+<violation>``, ``oracle~<nuisance>``): ground truth and
  controlled failures, there to show that the checks work, never to be mistaken for a generator;
- ``random``: anything from a run (or a video) marked ``random_weights``: plumbing checks, shown
  as ``<model> [random weights]`` and never as a real score.

Ranks are computed within a section.  Runs listed later win when two runs hold the same
(entry, probe, sample, metric); the overlap is reported.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bench.errors import UserError
from bench.report.schema import LeaderboardSchema
from bench.stats.aggregate import LEVELS, PASS_ID, Design, counts_table, incomplete_keys, video_values
from bench.stats.bootstrap import bootstrap_ci, rng_for
from bench.stats.power import mdd_mean, mdd_proportion, n_eff
from bench.stats.ranks import compare_all

SECTIONS = ("generator", "control", "random")
SECTION_TITLES = {
    "generator": "Generators",
    "control": "Controls (oracle world and its variants; not generators)",
    "random": "Random-weight runs (plumbing checks; not real scores)",
}
RANDOM_TAG = " [random weights]"
KEY = ["level", "suite", "category"]


@dataclass
class Leaderboard:
    """The computed leaderboard; every table is a tidy DataFrame (see ``compute_leaderboard``)."""

    entries: pd.DataFrame
    summary: pd.DataFrame
    pairs: pd.DataFrame
    ranks: pd.DataFrame
    sets: pd.DataFrame
    mdd: pd.DataFrame
    checks: pd.DataFrame
    failures: pd.DataFrame
    runs: pd.DataFrame
    models: pd.DataFrame
    schema: LeaderboardSchema
    validity: pd.DataFrame | None = None
    dose: pd.DataFrame | None = None
    #: audio column set (``audio_table``): empty when no video of these runs has sound
    audio: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)
    seed: int = 0

    def section_entries(self, section: str) -> list[str]:
        e = self.entries[self.entries["section"] == section]
        return list(e["entry"])


# --------------------------------------------------------------------------- entries


def entry_name(model: str, random_weights: bool) -> str:
    return f"{model}{RANDOM_TAG}" if random_weights else str(model)


def section_of(model: str, random_weights: bool, schema: LeaderboardSchema) -> str:
    if random_weights:
        return "random"
    return "control" if schema.is_control(str(model)) else "generator"


def _label(df: pd.DataFrame, schema: LeaderboardSchema) -> pd.DataFrame:
    df = df.copy()
    rw = df["random_weights"].fillna(False).astype(bool) if "random_weights" in df else False
    df["random_weights"] = rw
    df["entry"] = [entry_name(m, r) for m, r in zip(df["model"], df["random_weights"])]
    df["section"] = [section_of(m, r, schema) for m, r in zip(df["model"], df["random_weights"])]
    return df


# --------------------------------------------------------------------------- validity


def validated_checks(validity: pd.DataFrame | None, rules: dict[str, Any]) -> pd.DataFrame:
    """Per metric: ``best_auroc``, ``best_detection``, ``max_nuisance_fpr`` and ``validated``.

    The validity table (``bench.validity``) has one row per (metric, violation).  A metric is
    validated when

    - the table's own ``valid`` column says so (any true row; with a ``world`` column, any true
      row in every world of the table), if it has one; otherwise
    - its best ``detection_rate`` over violations reaches ``rules["min_detection"]`` (probe
      checks: the share of violated videos whose *verdict* is not pass — what the pass rate
      uses), or, without that column, its best ``auroc`` reaches ``rules["min_auroc"]``;
    - and no nuisance false-positive rate (``fpr_*`` columns) exceeds ``rules["max_nuisance_fpr"]``.
    """
    cols = ["metric", "best_auroc", "best_detection", "max_nuisance_fpr", "validated"]
    if validity is None or not len(validity):
        return pd.DataFrame(columns=cols)
    v = validity.copy()
    fpr_cols = [c for c in v.columns if str(c).startswith("fpr_")]
    v["_fpr"] = v[fpr_cols].apply(pd.to_numeric, errors="coerce").max(axis=1) if fpr_cols else np.nan
    g = v.groupby("metric")
    out = pd.DataFrame({"best_auroc": g["auroc"].max()})
    out["best_detection"] = (pd.to_numeric(v["detection_rate"], errors="coerce").groupby(v["metric"]).max()
                             if "detection_rate" in v else np.nan)
    out["max_nuisance_fpr"] = g["_fpr"].max()
    if "valid" in v:
        flag = v["valid"].map(lambda x: str(x).strip().lower() in ("1", "true", "yes"))
        if "world" in v and v["world"].notna().any():
            # valid in every world of the table (the 3-D and the 2-D oracle world)
            per = flag.groupby([v["metric"], v["world"]]).any().unstack("world")
            ok = per.fillna(False).astype(bool).all(axis=1)
        else:
            ok = flag.groupby(v["metric"]).any()
    else:
        if "detection_rate" in v:
            ok = out["best_detection"] >= float(rules.get("min_detection", 0.8))
        else:
            ok = out["best_auroc"] >= float(rules.get("min_auroc", 0.8))
        ok = ok & ~(out["max_nuisance_fpr"] > float(rules.get("max_nuisance_fpr", 0.1)))
    out["validated"] = ok.astype(bool)
    return out.reset_index()[cols]


# --------------------------------------------------------------------------- main


def compute_leaderboard(scores: pd.DataFrame, sets: pd.DataFrame, manifest: pd.DataFrame,
                        runs: pd.DataFrame, *, schema: LeaderboardSchema,
                        validity: pd.DataFrame | None = None, dose: pd.DataFrame | None = None,
                        seed: int = 0) -> Leaderboard:
    """Compute every table of the leaderboard from the loaders' DataFrames (``bench.report.load``).

    ``summary`` (long): one row per (entry, metric, level, suite, category) with ``estimate,
    ci_lo, ci_hi, se, n_probes, n_videos, n_missing, n_setup_failed, partial``.  ``pairs`` and
    ``ranks``: pairwise comparisons and significance-aware ranks within each section, for the pass
    rate and every standard metric with a direction, at the suite and overall levels.  ``sets``: set-level metrics with
    N and floor.  ``mdd``: minimum detectable differences of the primary metric.  ``checks``: which
    probe checks enter the primary metric and why.  ``failures``: failed probe checks (candidates
    for sample strips), with the reason and the video path.
    """
    st, warnings = schema.statistics, []
    if schema.primary_id != PASS_ID:
        raise UserError(f"leaderboard schema: primary.id must be {PASS_ID!r} (the derived pass rate)")
    if scores is None or not len(scores):
        raise UserError("the runs hold no scores: run `bench score RUN` first")
    run_order = {r: i for i, r in enumerate(runs["run_id"])} if len(runs) else {}
    scores = _label(scores, schema)
    scores = scores.assign(_run=scores["run_id"].map(run_order).fillna(-1))
    n0 = len(scores)
    scores = (scores.sort_values("_run", kind="mergesort")
              .drop_duplicates(["entry", "suite", "probe_id", "sample", "metric"], keep="last")
              .drop(columns="_run"))
    if len(scores) < n0:
        warnings.append(f"{n0 - len(scores)} score rows appear in more than one run; the run listed last is used.")

    # suites that differ between runs
    if len(runs):
        hashes: dict[str, set[str]] = {}
        for d in runs["suites"]:
            for s, h in (d or {}).items():
                hashes.setdefault(s, set()).add(h)
        for s, hs in sorted(hashes.items()):
            if len(hs) > 1:
                warnings.append(f"suite '{s}' differs between runs ({len(hs)} versions): scores across those "
                                "runs are not like for like.")

    # which checks enter the primary metric
    probe_ids = sorted(set(scores.loc[scores["metric_kind"] == "probe", "metric"]))
    declared = schema.primary.get("checks")
    chosen = [c for c in probe_ids if declared is None or c in set(declared)]
    vt = validated_checks(validity, schema.validity)
    checks = pd.DataFrame({"metric": pd.Series(probe_ids, dtype=object)})
    vt = vt.astype({"metric": object})
    checks = checks.merge(vt, on="metric", how="left")
    if validity is not None and schema.primary.get("require_validity", True):
        ok = set(vt.loc[vt["validated"].astype(bool), "metric"])
        dropped = [c for c in chosen if c not in ok]
        chosen = [c for c in chosen if c in ok]
        if dropped:
            warnings.append("probe checks left out of the pass rate because they did not pass the validity study "
                            f"(or are absent from it): {', '.join(dropped)}.")
        if not chosen and probe_ids:
            warnings.append("no probe check passed the validity study: the probe pass rate is missing.")
    elif probe_ids:
        warnings.append("no validity table given: every probe check enters the pass rate, validated or not.")
    if not probe_ids:
        warnings.append("these scores hold no probe check: the probe pass rate is missing (run `bench score` with "
                        "the probe checks).")
    checks["in_primary"] = checks["metric"].isin(chosen)
    checks["display"] = checks["metric"].map(schema.display)

    values = video_values(scores, by=["entry"], combine_checks=chosen)
    if PASS_ID in set(values["metric"]) and not chosen:
        values = values[values["metric"] != PASS_ID]

    # metrics shown, in schema order
    present = list(dict.fromkeys(values["metric"]))
    shown = [m for m in present if schema.listed(m) or schema.include_unlisted]
    kinds = values.drop_duplicates("metric").set_index("metric")["metric_kind"].to_dict()
    shown.sort(key=lambda m: (m != PASS_ID, not schema.listed(m), schema.order(m), m))
    directions = {}
    for m in shown:
        dd = values.loc[values["metric"] == m, "direction"].dropna().unique()
        if len(dd) > 1:
            raise UserError(f"metric {m}: scores disagree on its direction ({sorted(dd)})")
        directions[m] = schema.direction(m, dd[0] if len(dd) else None)
    values = values[values["metric"].isin(shown)]

    entries = _entries(scores, manifest)
    section = dict(zip(entries["entry"], entries["section"]))
    w = schema.weights()
    n_boot, ci, rs = int(st["n_boot"]), float(st["ci"]), bool(st["resample_seeds"])

    # ---- point estimates and intervals
    counts = counts_table(values, by=["entry"])
    designs: dict[tuple[str, str], Design] = {}
    rows = []
    for (m, e), g in values.groupby(["metric", "entry"], sort=False):
        d = Design.from_frame(g)
        designs[(m, e)] = d
        t = bootstrap_ci(d, levels=LEVELS, n_boot=n_boot, ci=ci, rng=rng_for(seed, "ci", e, m),
                         resample_seeds=rs, **w)
        if not len(t):
            t = pd.DataFrame([{"level": "overall", "suite": None, "category": None, "estimate": np.nan,
                               "ci_lo": np.nan, "ci_hi": np.nan, "se": np.nan, "n_probes": 0, "n_videos": 0}])
        rows.append(t.assign(entry=e, metric=m))
    summary = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=[*KEY, "estimate", "ci_lo", "ci_hi", "se", "n_probes", "n_videos", "entry", "metric"])
    summary = summary.rename(columns={"n_videos": "n_scored"})
    summary = _attach_counts(summary, counts)
    # partial coverage: a suite/overall value resting on fewer categories than the metric has
    expected: dict[str, set] = {}
    for (m, _), d in designs.items():
        expected.setdefault(m, set()).update(d.strata)
    partial = {(m, e, k) for (m, e), d in designs.items() for k in incomplete_keys(d.strata, expected[m])}
    summary["partial"] = [
        lv in ("suite", "overall") and (m, e, (s if lv == "suite" else None, None)) in partial
        for m, e, lv, s in zip(summary["metric"], summary["entry"], summary["level"], summary["suite"])]
    if schema.aggregation.get("missing") == "propagate":
        summary.loc[summary["partial"], ["estimate", "ci_lo", "ci_hi", "se"]] = np.nan
    summary["section"] = summary["entry"].map(section)
    summary["display"] = summary["metric"].map(schema.display)
    summary["group"] = [PASS_ID if m == PASS_ID else schema.group_of(m, kinds.get(m)) for m in summary["metric"]]
    summary["direction"] = summary["metric"].map(directions)
    summary = summary[["section", "entry", "metric", "display", "group", "direction", *KEY, "estimate", "ci_lo",
                       "ci_hi", "se", "n_probes", "n_scored", "n_videos", "n_missing", "n_setup_failed", "partial"]]

    # ---- pairwise comparisons and ranks (within a section)
    pair_frames, rank_frames = [], []
    for sec in SECTIONS:
        all_names = [e for e in entries["entry"] if section.get(e) == sec]
        for names, ref in (_control_groups(all_names) if sec == "control" else [(all_names, None)]):
            _compare_section(sec, names, ref, shown, directions, kinds, designs, st, n_boot, ci, seed, rs, w,
                             pair_frames, rank_frames)
    pairs = pd.concat(pair_frames, ignore_index=True) if pair_frames else pd.DataFrame(
        columns=["section", "metric", "a", "b", *KEY, "diff", "ci_lo", "ci_hi", "p_boot", "p_perm", "p_wilcoxon",
                 "rank_biserial", "n_shared", "p_adj", "significant"])
    ranks = pd.concat(rank_frames, ignore_index=True) if rank_frames else pd.DataFrame(
        columns=["section", "metric", *KEY, "entry", "estimate", "rank", "rank_lo", "rank_hi"])
    if schema.aggregation.get("missing") == "propagate" and len(ranks):
        # a value reported as missing has no rank (its pairwise comparisons stay in `pairs`)
        gone = [(m, e, (s if lv == "suite" else None, None)) in partial
                for m, e, lv, s in zip(ranks["metric"], ranks["entry"], ranks["level"], ranks["suite"])]
        ranks = ranks[~np.array(gone, dtype=bool)].reset_index(drop=True)

    # ---- minimum detectable difference (primary metric)
    mdd = _mdd(designs, entries, section, schema, w)

    # ---- set-level metrics
    sets_t = _sets(sets, schema)

    # ---- failures for sample strips
    failures = _failures(scores, manifest)

    if (entries["section"] == "random").any():
        warnings.append("some entries come from random weights: they are listed separately as plumbing checks "
                        "and are not real scores.")
    if not (entries["section"] == "generator").any():
        warnings.append("no generator in these runs: every entry is a control or a random-weight plumbing check.")
    if summary["partial"].any():
        warnings.append("† marks a suite/overall value that rests on fewer categories than other entries have "
                        f"(missing data; aggregation.missing = {schema.aggregation.get('missing')}).")

    return Leaderboard(entries=entries, summary=summary, pairs=pairs, ranks=ranks, sets=sets_t, mdd=mdd,
                       checks=checks, failures=failures, runs=_runs_table(runs), models=_models(entries, manifest),
                       schema=schema, validity=validity, dose=dose, audio=audio_table(scores, manifest, entries),
                       warnings=warnings, seed=seed)


# --------------------------------------------------------------------------- helpers


def _entries(scores: pd.DataFrame, manifest: pd.DataFrame) -> pd.DataFrame:
    g = scores.groupby(["entry", "model", "section", "random_weights"], sort=False)
    e = g["run_id"].agg(lambda r: ", ".join(sorted(set(map(str, r))))).rename("runs").reset_index()
    vids = scores.drop_duplicates(["entry", "run_id", "suite", "probe_id", "sample"]).groupby("entry").size()
    e["n_videos"] = e["entry"].map(vids).fillna(0).astype(int)
    order = {s: i for i, s in enumerate(SECTIONS)}
    return e.assign(_o=e["section"].map(order)).sort_values(["_o", "entry"]).drop(columns="_o").reset_index(drop=True)


def _attach_counts(summary: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    c = counts.rename(columns={"n_videos": "n_rows"})
    parts = [
        c.assign(level="category"),
        c.groupby(["entry", "metric", "suite"], as_index=False)[["n_rows", "n_missing", "n_setup_failed"]].sum()
         .assign(level="suite", category=None),
        c.groupby(["entry", "metric"], as_index=False)[["n_rows", "n_missing", "n_setup_failed"]].sum()
         .assign(level="overall", suite=None, category=None),
    ]
    cc = pd.concat(parts, ignore_index=True)[["entry", "metric", *KEY, "n_rows", "n_missing", "n_setup_failed"]]
    for df in (summary, cc):
        df["_s"] = df["suite"].where(df["suite"].notna(), "")
        df["_c"] = df["category"].where(df["category"].notna(), "")
    out = summary.merge(cc.drop(columns=["suite", "category"]), on=["entry", "metric", "level", "_s", "_c"],
                        how="outer")
    out["suite"] = out["suite"].where(out["suite"].notna(), out["_s"].replace("", None))
    out["category"] = out["category"].where(out["category"].notna(), out["_c"].replace("", None))
    out = out.drop(columns=["_s", "_c"])
    for col in ("n_rows", "n_missing", "n_setup_failed", "n_probes", "n_scored"):
        out[col] = out[col].fillna(0).astype(int)
    return out.rename(columns={"n_rows": "n_videos"})


def _mdd(designs: dict[tuple[str, str], Design], entries: pd.DataFrame, section: dict[str, str],
         schema: LeaderboardSchema, w: dict[str, Any]) -> pd.DataFrame:
    """Minimum detectable differences of the primary metric, per section and scope.

    - unpaired: ``mdd_proportion(n_eff, p̄)``: ``n_eff`` the median Kish effective size over the
      section's entries, ``p̄`` their mean pass rate (``p(1−p)`` bounds a probe mean's variance);
    - paired, observed: ``(z_{1−α/2} + z_power) · RMS(d) / √n_eff`` with ``RMS(d) = √(mean_p d_p²)``
      of a pair's per-probe differences, median over the section's pairs.  For pass/fail outcomes
      ``RMS(d)²`` is McNemar's discordant proportion ψ (``bench.stats.power``): the variance under
      "no difference", which does not vanish when two models differ consistently.
    """
    st = schema.statistics
    alpha, power = float(st["alpha"]), float(st["power"])
    rows = []
    for sec in SECTIONS:
        names = [e for e in entries["entry"] if section.get(e) == sec and (PASS_ID, e) in designs]
        if not names:
            continue
        per_key: dict[tuple, dict[str, list]] = {}
        for e in names:
            d = designs[(PASS_ID, e)]
            m = d.probe_means()
            for lv in ("suite", "overall"):
                keys, W = d.weights(lv, **w)
                for j, k in enumerate(keys):
                    slot = per_key.setdefault((lv, *k), {"n": [], "neff": [], "p": [], "sd": []})
                    slot["n"].append(int((W[:, j] > 0).sum()))
                    slot["neff"].append(n_eff(W[:, j]))
                    slot["p"].append(float(m @ W[:, j]))
        for a, b in itertools.combinations(names, 2):
            da, db = designs[(PASS_ID, a)], designs[(PASS_ID, b)]
            common = set(da.probes) & set(db.probes)
            if not common:
                continue
            ra, rb = da.restrict(common), db.restrict(common)
            diff = ra.probe_means() - rb.probe_means()
            for lv in ("suite", "overall"):
                keys, W = ra.weights(lv, **w)
                for j, k in enumerate(keys):
                    inside = W[:, j] > 0
                    if inside.sum() >= 1 and (lv, *k) in per_key:
                        per_key[(lv, *k)]["sd"].append(float(np.sqrt(np.mean(diff[inside] ** 2))))
        for (lv, s, c), v in per_key.items():
            ne = float(np.median(v["neff"]))
            p = float(np.clip(np.mean(v["p"]), 0, 1))
            sd = float(np.median(v["sd"])) if v["sd"] else np.nan
            rows.append({"section": sec, "level": lv, "suite": s, "n_probes": int(np.median(v["n"])),
                         "n_eff": ne, "pass_rate": p,
                         "mdd_unpaired": mdd_proportion(ne, p, alpha=alpha, power=power),
                         "mdd_unpaired_worst": mdd_proportion(ne, 0.5, alpha=alpha, power=power),
                         "rms_paired_diff": sd,
                         "mdd_paired": mdd_mean(sd, ne, alpha=alpha, power=power) if np.isfinite(sd) else np.nan})
    cols = ["section", "level", "suite", "n_probes", "n_eff", "pass_rate", "mdd_unpaired", "mdd_unpaired_worst",
            "rms_paired_diff", "mdd_paired"]
    return pd.DataFrame(rows, columns=cols)


def _sets(sets: pd.DataFrame, schema: LeaderboardSchema) -> pd.DataFrame:
    cols = ["section", "entry", "model", "metric", "display", "direction", "suite", "value", "std", "n", "n_ref", "floor",
            "floor_n", "n_subsets", "reference", "status", "reason", "metric_version", "run_id"]
    if sets is None or not len(sets):
        return pd.DataFrame(columns=cols)
    s = _label(sets, schema)
    for c, default in (("floor_n", np.nan), ("status", "ok"), ("reason", "")):
        if c not in s:
            s[c] = default
    s["status"] = s["status"].fillna("ok")
    s.loc[s["status"] != "ok", "value"] = s.loc[s["status"] != "ok", "value"].where(s["status"] == "incomplete")
    s = s[[schema.listed(m) or schema.include_unlisted for m in s["metric"]]]
    s = s.assign(display=s["metric"].map(schema.display),
                 direction=[schema.direction(m, None) if schema.listed(m) else "lower" for m in s["metric"]],
                 n_subsets=[len(v) if isinstance(v, (list, tuple, np.ndarray)) else np.nan
                            for v in s["value_subsets"]])
    s = s.sort_values(["metric", "suite", "entry"], key=lambda c: c.map(schema.order) if c.name == "metric" else c)
    return s[cols].reset_index(drop=True)


def _failures(scores: pd.DataFrame, manifest: pd.DataFrame) -> pd.DataFrame:
    f = scores[(scores["metric_kind"] == "probe") & scores["verdict"].isin(["fail", "setup_failed"])]
    cols = ["section", "entry", "model", "run_id", "suite", "category", "probe_id", "sample", "metric", "verdict",
            "reason", "abs_path", "prompt"]
    if not len(f):
        return pd.DataFrame(columns=cols)
    f = f.copy()
    if manifest is not None and len(manifest):
        m = manifest.copy()
        m["sample"] = pd.to_numeric(m["sample"], errors="coerce")
        keep = [c for c in ("run_id", "model", "suite", "probe_id", "sample", "abs_path", "prompt") if c in m]
        f = f.merge(m[keep].drop_duplicates(["run_id", "model", "suite", "probe_id", "sample"]),
                    on=["run_id", "model", "suite", "probe_id", "sample"], how="left")
    for c in ("abs_path", "prompt"):
        if c not in f:
            f[c] = None
    return f.sort_values(["entry", "metric", "probe_id", "sample"])[cols].reset_index(drop=True)


def _runs_table(runs: pd.DataFrame) -> pd.DataFrame:
    pkgs = ("bench", "torch", "diffusers", "transformers", "numpy", "scipy", "pandas", "av")
    rows = []
    for r in runs.itertuples(index=False):
        v = r.versions or {}
        hw = r.hardware or {}
        rows.append({
            "run_id": r.run_id, "profile": r.profile or "",
            "date": r.finished_at or r.started_at or r.created_at or "",
            "git_commit": (str(r.git_commit or "")[:12] + (" (dirty)" if r.git_dirty else "")),
            "bench_version": r.bench_version or v.get("bench", ""),
            "random_weights": bool(r.random_weights),
            "suites": ", ".join(f"{s} {h[:12]}" for s, h in sorted((r.suites or {}).items())),
            "packages": ", ".join(f"{p} {v[p]}" for p in pkgs if p in v and v[p] != "not installed"),
            "python": v.get("python", ""),
            "hardware": ", ".join(str(x) for x in (hw.get("cpu"), *(hw.get("gpus") or [])) if x),
        })
    return pd.DataFrame(rows, columns=["run_id", "profile", "date", "git_commit", "bench_version", "random_weights",
                                       "suites", "packages", "python", "hardware"])


def _access(sources: set[str]) -> str:
    names = {"rendered": "procedural (oracle world)", "generated": "open weights, generated here",
             "imported": "imported videos (closed model / API)"}
    return "; ".join(names.get(s, s) for s in sorted(sources)) or "unknown"


def _models(entries: pd.DataFrame, manifest: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for e in entries.itertuples(index=False):
        m = manifest[(manifest["model"] == e.model)] if manifest is not None and len(manifest) else None
        if m is not None and "random_weights" in m:
            m = m[m["random_weights"].astype(bool) == bool(e.random_weights)]
        src = set(m["source"].dropna().astype(str)) if m is not None and "source" in m else set()
        rev = sorted(set(m["revision"].dropna().astype(str)) - {""}) if m is not None and "revision" in m else []
        acc = sorted(set(m["access"].dropna().astype(str))) if m is not None and "access" in m else []
        rows.append({"section": e.section, "entry": e.entry, "model": e.model,
                     "source": ", ".join(sorted(src)) or "unknown",
                     "access": ", ".join(acc) if acc else _access(src),
                     "revision": ", ".join(rev) or "—", "runs": e.runs, "videos": e.n_videos,
                     **_signals(e.model, m)})
    return pd.DataFrame(rows, columns=["section", "entry", "model", "source", "access", "revision", "runs", "videos",
                                       "signals_observed", "signals_claimed"])


#: the weight-free audio-video checks whose pass rates make the audio column set
AV_CHECKS = ("av.sync", "av.silence_when_still")


def audio_table(scores: pd.DataFrame, manifest: pd.DataFrame | None, entries: pd.DataFrame) -> pd.DataFrame:
    """The audio column set: one row per entry, or an empty frame when no video has sound.

    Columns: ``section, entry, videos`` (manifest rows with status ok), ``with_sound`` (those whose
    manifest ``audio`` record is present), ``sound_share`` (with_sound / videos), and for each check
    of ``AV_CHECKS``: ``<check>`` = pass rate over the videos it judged (pass / (pass + fail +
    setup_failed); ``not_applicable`` and missing are left out, NaN when none) and ``<check> n``.
    Raw shares over videos, not the probe-weighted estimates of the main table."""
    if manifest is None or not len(manifest) or "audio" not in manifest:
        return pd.DataFrame()
    ok = manifest[manifest["status"].fillna("ok") == "ok"] if "status" in manifest else manifest
    sound = ok["audio"].map(lambda a: isinstance(a, dict) and bool(a))
    if not sound.any():
        return pd.DataFrame()
    rw = ok["random_weights"].astype(bool) if "random_weights" in ok else pd.Series(False, index=ok.index)
    rows = []
    for e in entries.itertuples(index=False):
        mine = (ok["model"] == e.model) & (rw == bool(e.random_weights))
        n = int(mine.sum())
        row: dict[str, Any] = {"section": e.section, "entry": e.entry, "videos": n,
                               "with_sound": int((sound & mine).sum()),
                               "sound_share": float((sound & mine).sum() / n) if n else float("nan")}
        sc = scores[scores["entry"] == e.entry]
        for c in AV_CHECKS:
            v = sc.loc[sc["metric"] == c, "verdict"]
            judged = v[v.isin(["pass", "fail", "setup_failed"])]
            row[c] = float((judged == "pass").mean()) if len(judged) else float("nan")
            row[f"{c} n"] = int(len(judged))
        rows.append(row)
    return pd.DataFrame(rows)


def _signals(model: str, m: pd.DataFrame | None) -> dict[str, str]:
    """Provenance signals observed in the model's videos beside those its card claims (issue 17)."""
    from bench.signals import claimed_summary, observed_summary

    rows = m.to_dict("records") if m is not None else []
    return {"signals_observed": observed_summary(rows), "signals_claimed": claimed_summary(model)}


def _control_groups(names: list[str]) -> list[tuple[list[str], str]]:
    """Controls split by oracle world, each compared with its own clean oracle: the 3-D world's
    (``oracle3d...``, reference ``oracle3d``) first, then the 2-D world's (reference ``oracle``)."""
    three = [e for e in names if e == "oracle3d" or e.startswith(("oracle3d+", "oracle3d~"))]
    rest = [e for e in names if e not in three]
    return [(g, ref) for g, ref in ((three, "oracle3d"), (rest, "oracle")) if g]


def _compare_section(sec: str, names: list[str], ref: str | None, shown: list[str], directions: dict,
                     kinds: dict, designs: dict, st: dict, n_boot: int, ci: float, seed: int, rs: Any,
                     w: dict, pair_frames: list, rank_frames: list) -> None:
    """Pairwise comparisons and ranks of ``names`` (one section, or one world's controls)."""
    for m in shown:
        # ranked: the pass rate and the standard metrics (per-check rates are shown, not ranked)
        if directions[m] not in ("higher", "lower") or (m != PASS_ID and kinds.get(m) == "probe"):
            continue
        ds = {e: designs[(m, e)] for e in names if (m, e) in designs and designs[(m, e)].n_probes}
        if not ds:
            continue
        pairs, ranks = compare_all(ds, direction=directions[m], levels=("suite", "overall"),
                                   alpha=float(st["alpha"]), test=st["test"], adjust=st["adjust"],
                                   n_boot=n_boot, ci=ci, seed=seed, resample_seeds=rs,
                                   reference=ref, **w)
        if len(pairs):
            pair_frames.append(pairs.assign(section=sec, metric=m))
        if len(ranks):
            rank_frames.append(ranks.assign(section=sec, metric=m))
