"""Aggregation: from per-video values to per-category, per-suite and overall scores.

Per-video values
----------------
One value ``x`` per (model, probe, sample) and metric, read from ``scores.parquet``:

- **probe checks** (``metric_kind == "probe"``): ``x = 1`` for verdict ``pass``; ``x = 0`` for
  ``fail`` *and* for ``setup_failed`` (the generator ignored the set-up, e.g. no red ball: that is
  a failure, never dropped from the denominator).  ``setup_failed`` is also counted on its own
  (``n_setup_failed``) so a reader can tell "drew a ball that fell up" from "drew no ball".
- **the combined probe pass** (``PASS_ID``, ``combine="all"``): a video passes when every probe
  check that applies to it passes.  Three-valued: any ``fail``/``setup_failed`` gives 0 (known
  whatever the missing checks would say); otherwise any missing check gives missing; otherwise 1.
  Checks can be restricted (e.g. to those that passed the validity study).
- **standard metrics and covariates**: ``x = value``.

A row whose ``status`` is not ``ok`` (``unavailable``, ``error``, ``not_applicable``), or whose
value is NaN without a verdict, is **missing**: it is counted (``n_missing``) and shown as
missing ("—"), never as 0.

The hierarchy (the estimand)
----------------------------
For one model and one metric, with ``y[p, s]`` the value of probe ``p``, sample (seed) ``s``:

1. probe      ``m_p = (1 / S_p) Σ_s y[p, s]``              mean over the ``S_p`` scored samples
2. category   ``C_c = (1 / |P_c|) Σ_{p ∈ P_c} m_p``         equal weight per probe
3. suite      ``U_u = Σ_{c ∈ u} ω_{c|u} C_c``,  ``ω_{c|u} = a_c / Σ_{c' ∈ u} a_{c'}``
4. overall    ``O   = Σ_u ω_u U_u``,            ``ω_u = b_u / Σ_{u'} b_{u'}``

``a_c`` (category) and ``b_u`` (suite) are relative weights, 1 unless the declared leaderboard
schema (``bench/report/leaderboard_schema.yaml``) says otherwise; so by default every category
counts equally within its suite and every suite equally overall.  Every level is therefore a
linear functional of the probe means,

    estimate = Σ_p w_p m_p,   w_p = ω_u ω_{c|u} / |P_c|     (Σ_p w_p = 1),

which is what ``Design.weights`` returns and what the bootstrap (``bench.stats.bootstrap``)
resamples.  Sums over ``c`` and ``u`` run over the categories/suites that hold at least one
scored probe for this model: a category with no scored probe is dropped and the weights are
renormalised over the rest (``missing="renormalise"``), and the tables carry the coverage
(``n_probes``, ``n_missing``) so the gap is visible; ``missing="propagate"`` makes the suite and
overall values missing instead.  Nothing is min–max normalised: no hidden bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

#: Id of the derived per-video metric "every applicable probe check passed".
PASS_ID = "probe.pass"

Level = Literal["category", "suite", "overall"]
LEVELS: tuple[Level, ...] = ("category", "suite", "overall")

#: Columns that identify one video within a run.
VIDEO_KEY = ("run_id", "model", "suite", "category", "probe_id", "sample")

_FAIL = ("fail", "setup_failed")


# --------------------------------------------------------------------------- per-video values


def check_indicator(verdict: pd.Series, status: pd.Series | None = None) -> pd.Series:
    """Pass indicator of a probe check: 1.0 pass, 0.0 fail or setup_failed, NaN otherwise.

    >>> check_indicator(pd.Series(["pass", "fail", "setup_failed", None])).tolist()
    [1.0, 0.0, 0.0, nan]
    """
    v = verdict.astype(object)
    out = pd.Series(np.nan, index=verdict.index, dtype=float)
    out[v == "pass"] = 1.0
    out[v.isin(_FAIL)] = 0.0
    return out


def video_values(scores: pd.DataFrame, *, by: Sequence[str] = ("model",),
                 combine_checks: Iterable[str] | None = None, combine: str = "all") -> pd.DataFrame:
    """Per-video values ``x`` for every metric, plus the derived ``PASS_ID`` rows.

    ``scores``: rows of ``scores.parquet`` (see ``bench.report.load.scores_df``); ``by`` names
    the columns that identify an entry (``model``, or ``entry`` when the report splits a model
    into labelled entries).  ``combine_checks``: the probe checks that enter ``PASS_ID`` (all
    probe checks when ``None``).  Returns columns ``*by, run_id, suite, category, probe_id,
    sample, metric, metric_kind, direction, x, setup_failed, missing``.
    """
    if combine != "all":
        raise ValueError(f"unknown combine rule {combine!r} (only 'all' is defined)")
    by = list(by)
    key = list(dict.fromkeys([*by, *VIDEO_KEY]))
    df = scores.copy()
    for col, default in (("verdict", None), ("status", "ok"), ("metric_kind", "standard"),
                         ("direction", "higher"), ("run_id", ""), ("category", "")):
        if col not in df.columns:
            df[col] = default
    is_probe = df["metric_kind"].eq("probe")
    ok = df["status"].fillna("ok").eq("ok")
    x = pd.to_numeric(df["value"], errors="coerce").astype(float)
    x = x.where(ok)
    ind = check_indicator(df["verdict"])
    x = x.where(~is_probe, ind)
    df["x"] = x
    df["setup_failed"] = df["verdict"].astype(object).eq("setup_failed")
    df["missing"] = df["x"].isna()
    if PASS_ID in set(df["metric"]):
        raise ValueError(f"scores already hold a metric named {PASS_ID!r}, the derived pass id")
    cols = [*key, "metric", "metric_kind", "direction", "x", "setup_failed", "missing"]
    out = [df[cols]]

    probe = df[is_probe]
    if combine_checks is not None:
        probe = probe[probe["metric"].isin(set(combine_checks))]
    if len(probe):
        g = probe.assign(
            _fail=probe["x"].eq(0.0), _miss=probe["x"].isna(), _pass=probe["x"].eq(1.0),
        ).groupby(key, dropna=False, sort=False)
        agg = g.agg(_fail=("_fail", "any"), _miss=("_miss", "any"), _pass=("_pass", "any"),
                    setup_failed=("setup_failed", "any")).reset_index()
        xx = np.where(agg["_fail"], 0.0, np.where(agg["_miss"], np.nan, np.where(agg["_pass"], 1.0, np.nan)))
        agg["x"] = xx
        agg["metric"] = PASS_ID
        agg["metric_kind"] = "probe"
        agg["direction"] = "higher"
        agg["missing"] = agg["x"].isna()
        out.append(agg[cols])
    res = pd.concat(out, ignore_index=True)
    res["sample"] = res["sample"].astype(int)
    return res


# --------------------------------------------------------------------------- design


@dataclass(frozen=True)
class Design:
    """Per-probe values of one (entry, metric), laid out for weights and vectorised resampling.

    ``probes[i]`` belongs to stratum ``strata[stratum[i]]`` = (suite, category); probes are
    sorted by stratum then id, so a stratum's probes are contiguous.  ``values[i, :counts[i]]``
    are the scored samples of probe ``i`` (NaN pads the rest).  Missing values never enter.
    """

    probes: tuple[str, ...]
    strata: tuple[tuple[str, str], ...]
    stratum: np.ndarray
    values: np.ndarray
    counts: np.ndarray

    @classmethod
    def from_frame(cls, df: pd.DataFrame, value: str = "x") -> "Design":
        """Build from rows with ``suite``, ``category``, ``probe_id`` and ``value`` (one per sample).

        Rows with a NaN value are dropped; a probe left with no value is dropped.  A probe id
        that appears under two (suite, category) pairs is an error.
        """
        d = df[["suite", "category", "probe_id", value]].copy()
        d = d[np.isfinite(pd.to_numeric(d[value], errors="coerce").astype(float))]
        if d.empty:
            return cls.empty()
        cats = d.groupby("probe_id")[["suite", "category"]].nunique()
        bad = cats[(cats["suite"] > 1) | (cats["category"] > 1)]
        if len(bad):
            raise ValueError(f"probe(s) {list(bad.index)[:3]} appear under more than one suite/category")
        d = d.sort_values(["suite", "category", "probe_id"], kind="mergesort")
        first = d.drop_duplicates("probe_id")
        probes = tuple(first["probe_id"].astype(str))
        strata = tuple(dict.fromkeys(zip(first["suite"].astype(str), first["category"].astype(str))))
        sidx = {s: i for i, s in enumerate(strata)}
        stratum = np.array([sidx[(s, c)] for s, c in zip(first["suite"].astype(str),
                                                         first["category"].astype(str))], dtype=np.int64)
        pos = {p: i for i, p in enumerate(probes)}
        rowp = d["probe_id"].map(pos).to_numpy()
        counts = np.bincount(rowp, minlength=len(probes))
        # slot of each row within its probe: cumulative count
        order = np.argsort(rowp, kind="stable")
        slot = np.empty(len(rowp), dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        slot[order] = np.arange(len(rowp)) - np.repeat(starts, counts)
        values = np.full((len(probes), int(counts.max())), np.nan)
        values[rowp, slot] = d[value].to_numpy(dtype=float)
        return cls(probes, strata, stratum, values, counts.astype(np.int64))

    @classmethod
    def empty(cls) -> "Design":
        return cls((), (), np.zeros(0, np.int64), np.zeros((0, 1)), np.zeros(0, np.int64))

    @property
    def n_probes(self) -> int:
        return len(self.probes)

    @property
    def n_videos(self) -> int:
        return int(self.counts.sum())

    def probe_means(self) -> np.ndarray:
        """``m_p``: mean over the scored samples of each probe."""
        return np.nansum(self.values, axis=1) / np.maximum(self.counts, 1)

    def restrict(self, probe_ids: Iterable[str]) -> "Design":
        """The same design on a subset of probes (order and strata kept; empty strata dropped)."""
        keep = set(probe_ids)
        idx = np.array([i for i, p in enumerate(self.probes) if p in keep], dtype=np.int64)
        if idx.size == 0:
            return Design.empty()
        used = sorted(set(self.stratum[idx].tolist()))
        remap = {old: new for new, old in enumerate(used)}
        counts = self.counts[idx]
        return Design(
            probes=tuple(self.probes[i] for i in idx),
            strata=tuple(self.strata[i] for i in used),
            stratum=np.array([remap[s] for s in self.stratum[idx]], dtype=np.int64),
            values=self.values[idx][:, : int(counts.max())],
            counts=counts,
        )

    def weights(self, level: Level, *, suite_weights: Mapping[str, float] | None = None,
                category_weights: Mapping[str, Mapping[str, float]] | None = None,
                ) -> tuple[list[tuple[str | None, str | None]], np.ndarray]:
        """Keys and the ``(P, K)`` matrix ``W`` with ``estimate_k = Σ_p W[p, k] m_p``.

        Keys are ``(suite, category)`` for ``category``, ``(suite, None)`` for ``suite`` and
        ``(None, None)`` for ``overall``; every column of ``W`` sums to 1 (see the module
        docstring for ``w_p = ω_u ω_{c|u} / |P_c|``).
        """
        P = self.n_probes
        n_c = np.bincount(self.stratum, minlength=len(self.strata)).astype(float)
        a = np.array([float((category_weights or {}).get(s, {}).get(c, 1.0)) for s, c in self.strata])
        suites = list(dict.fromkeys(s for s, _ in self.strata))
        if level == "category":
            keys = [(s, c) for s, c in self.strata]
            W = np.zeros((P, len(keys)))
            W[np.arange(P), self.stratum] = 1.0 / n_c[self.stratum]
            return keys, W
        # ω_{c|u}: category weight renormalised within its suite
        suite_of = np.array([suites.index(s) for s, _ in self.strata], dtype=np.int64)
        a_sum = np.bincount(suite_of, weights=a, minlength=len(suites))
        w_c = a / a_sum[suite_of]                        # per stratum
        w_p = w_c[self.stratum] / n_c[self.stratum]      # per probe, sums to 1 within suite
        if level == "suite":
            keys = [(s, None) for s in suites]
            W = np.zeros((P, len(keys)))
            W[np.arange(P), suite_of[self.stratum]] = w_p
            return keys, W
        if level == "overall":
            b = np.array([float((suite_weights or {}).get(s, 1.0)) for s in suites])
            w_u = b / b.sum()
            W = (w_u[suite_of[self.stratum]] * w_p)[:, None]
            return [(None, None)], W
        raise ValueError(f"unknown level {level!r} (expected one of {LEVELS})")


def aggregate(design: Design, levels: Sequence[Level] = LEVELS, **weights) -> pd.DataFrame:
    """Point estimates at each level: columns ``level, suite, category, estimate, n_probes, n_videos``."""
    rows = []
    if design.n_probes == 0:
        return pd.DataFrame(columns=["level", "suite", "category", "estimate", "n_probes", "n_videos"])
    m = design.probe_means()
    for level in levels:
        keys, W = design.weights(level, **weights)
        est = m @ W
        inside = W > 0
        for k, (s, c) in enumerate(keys):
            sel = inside[:, k]
            rows.append({"level": level, "suite": s, "category": c, "estimate": float(est[k]),
                         "n_probes": int(sel.sum()), "n_videos": int(design.counts[sel].sum())})
    return pd.DataFrame(rows)


def counts_table(values: pd.DataFrame, by: Sequence[str] = ("model",)) -> pd.DataFrame:
    """Per (``by``, metric, suite, category): videos, missing values and setup failures.

    Returns ``n_videos`` (rows), ``n_scored`` (non-missing), ``n_missing`` and
    ``n_setup_failed`` (videos with a ``setup_failed`` verdict, counted as failures in the
    pass rates and reported here on their own).
    """
    g = values.groupby([*by, "metric", "suite", "category"], dropna=False, sort=True)
    return g.agg(n_videos=("x", "size"), n_scored=("x", "count"), n_missing=("missing", "sum"),
                 n_setup_failed=("setup_failed", "sum")).reset_index()


def incomplete_keys(present: Iterable[tuple[str, str]], expected: Iterable[tuple[str, str]],
                    ) -> set[tuple[str | None, str | None]]:
    """Suite/overall keys whose value would rest on fewer categories than ``expected``.

    With ``missing="propagate"`` these keys are reported as missing; with ``"renormalise"``
    they are reported but flagged as partial.  ``present``/``expected``: (suite, category).
    """
    have, want = set(present), set(expected)
    gaps = want - have
    out: set[tuple[str | None, str | None]] = set()
    for s, _ in gaps:
        out.add((s, None))
    if gaps:
        out.add((None, None))
    return out
