"""The declared leaderboard schema (``leaderboard_schema.yaml``): presentation and weights.

Computation (``bench.stats``) takes every weight as an argument; this file is the only place
that chooses them, together with which metrics appear, their display names, groups and
directions.  It is versioned (``version``) and hashed (``sha256``, printed in each leaderboard).
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.errors import UserError

DEFAULT_SCHEMA = Path(__file__).with_name("leaderboard_schema.yaml")

_TOP = {"schema", "version", "primary", "aggregation", "statistics", "validity", "groups",
        "set_metrics", "include_unlisted", "controls", "report"}
_DIRECTIONS = ("higher", "lower", "none")
KIND_GROUP = {"probe": "probe", "standard": "standard", "covariate": "covariate"}


@dataclass(frozen=True)
class MetricDisplay:
    id: str
    display: str
    group: str
    direction: str | None = None


@dataclass(frozen=True)
class LeaderboardSchema:
    version: int
    primary: dict[str, Any]
    aggregation: dict[str, Any]
    statistics: dict[str, Any]
    validity: dict[str, Any]
    groups: list[dict[str, Any]]
    metrics: tuple[MetricDisplay, ...]
    set_metrics: tuple[MetricDisplay, ...]
    include_unlisted: bool
    controls: tuple[str, ...]
    report: dict[str, Any]
    path: str = ""
    sha256: str = ""
    _by_id: dict[str, MetricDisplay] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({m.id: m for m in (*self.metrics, *self.set_metrics)})

    # ------------------------------------------------------------------ look-ups
    @property
    def primary_id(self) -> str:
        return str(self.primary["id"])

    def display(self, metric: str) -> str:
        if metric == self.primary_id:
            return str(self.primary.get("display", metric))
        m = self._by_id.get(metric)
        return m.display if m else metric

    def listed(self, metric: str) -> bool:
        return metric in self._by_id or metric == self.primary_id

    def group_of(self, metric: str, kind: str | None = None) -> str:
        m = self._by_id.get(metric)
        if m:
            return m.group
        return KIND_GROUP.get(str(kind), "standard")

    def group_display(self, group: str) -> str:
        for g in self.groups:
            if g["id"] == group:
                return str(g.get("display", group))
        return group

    def direction(self, metric: str, data_direction: str | None) -> str:
        """The metric's direction; a schema direction that contradicts the data raises."""
        m = self._by_id.get(metric)
        declared = m.direction if m else None
        if metric == self.primary_id:
            declared = "higher"
        if declared and data_direction and data_direction != declared:
            raise UserError(f"leaderboard schema says {metric} is '{declared}' is better but the scores say "
                            f"'{data_direction}': fix {self.path or 'the schema'}")
        return declared or data_direction or "none"

    def order(self, metric: str) -> int:
        ids = [m.id for m in (*self.metrics, *self.set_metrics)]
        return ids.index(metric) if metric in ids else len(ids)

    def is_control(self, model: str) -> bool:
        return any(fnmatch.fnmatchcase(model, p) for p in self.controls)

    def weights(self) -> dict[str, Any]:
        """``suite_weights`` and ``category_weights`` for ``bench.stats``."""
        return {"suite_weights": dict(self.aggregation.get("suite_weights") or {}),
                "category_weights": {k: dict(v) for k, v in (self.aggregation.get("category_weights") or {}).items()}}


def _err(path: str, msg: str) -> UserError:
    return UserError(f"{path}: leaderboard schema: {msg}")


def _metric_list(items: Any, group: str, where: str, path: str) -> list[MetricDisplay]:
    if not isinstance(items, list):
        raise _err(path, f"{where} must be a list")
    out = []
    for i, m in enumerate(items):
        if not isinstance(m, dict) or not isinstance(m.get("id"), str):
            raise _err(path, f"{where}[{i}] must be a mapping with an 'id'")
        extra = set(m) - {"id", "display", "direction"}
        if extra:
            raise _err(path, f"{where}[{i}]: unknown key(s) {sorted(extra)}")
        d = m.get("direction")
        if d is not None and d not in _DIRECTIONS:
            raise _err(path, f"{where}[{i}].direction must be one of {list(_DIRECTIONS)}, got {d!r}")
        out.append(MetricDisplay(m["id"], str(m.get("display", m["id"])), group, d))
    return out


def load_schema(path: str | Path | None = None) -> LeaderboardSchema:
    """Load and check a leaderboard schema (default: the one shipped beside this module)."""
    p = Path(path) if path is not None else DEFAULT_SCHEMA
    if not p.exists():
        raise UserError(f"{p}: leaderboard schema not found")
    raw = p.read_bytes()
    try:
        from bench.safeio import yaml_load

        doc = yaml_load(raw, str(p))
    except yaml.YAMLError as e:
        raise _err(str(p), f"invalid YAML ({e})") from None
    sp = str(p)
    if not isinstance(doc, dict):
        raise _err(sp, "expected a mapping at the top level")
    unknown = set(doc) - _TOP
    if unknown:
        raise _err(sp, f"unknown key(s) {sorted(unknown)}")
    if not isinstance(doc.get("version"), int) or isinstance(doc.get("version"), bool):
        raise _err(sp, "'version' must be an integer")
    primary = doc.get("primary") or {}
    if not isinstance(primary, dict) or not isinstance(primary.get("id"), str):
        raise _err(sp, "'primary' must be a mapping with an 'id'")
    if primary.get("combine", "all") != "all":
        raise _err(sp, f"primary.combine must be 'all', got {primary.get('combine')!r}")
    agg = doc.get("aggregation") or {}
    if agg.get("missing", "renormalise") not in ("renormalise", "propagate"):
        raise _err(sp, "aggregation.missing must be 'renormalise' or 'propagate'")
    for k in ("seeds", "probes"):
        if agg.get(k, "mean" if k == "seeds" else "equal") not in ("mean", "equal"):
            raise _err(sp, f"aggregation.{k}: only '{'mean' if k == 'seeds' else 'equal'}' is defined")
    for k in ("suite_weights",):
        w = agg.get(k) or {}
        if not isinstance(w, dict) or not all(isinstance(v, (int, float)) and v >= 0 for v in w.values()):
            raise _err(sp, f"aggregation.{k} must map names to non-negative numbers")
    cw = agg.get("category_weights") or {}
    if not isinstance(cw, dict) or not all(
            isinstance(v, dict) and all(isinstance(x, (int, float)) and x >= 0 for x in v.values())
            for v in cw.values()):
        raise _err(sp, "aggregation.category_weights must map suite -> {category: non-negative number}")
    st = dict(doc.get("statistics") or {})
    st.setdefault("n_boot", 2000)
    st.setdefault("ci", 0.95)
    st.setdefault("interval", "percentile")
    st.setdefault("resample_seeds", True)
    st.setdefault("alpha", 0.05)
    st.setdefault("test", "p_perm")
    st.setdefault("adjust", "holm")
    st.setdefault("power", 0.8)
    if st["interval"] != "percentile":
        raise _err(sp, "statistics.interval: only 'percentile' is implemented")
    if st["test"] not in ("p_perm", "p_boot", "p_wilcoxon") or st["adjust"] not in ("holm", "none"):
        raise _err(sp, "statistics.test must be p_perm|p_boot|p_wilcoxon and statistics.adjust holm|none")
    if not (isinstance(st["n_boot"], int) and st["n_boot"] >= 100):
        raise _err(sp, "statistics.n_boot must be an integer >= 100")
    for k in ("ci", "alpha", "power"):
        if not 0 < float(st[k]) < 1:
            raise _err(sp, f"statistics.{k} must be in (0, 1)")
    groups = doc.get("groups") or []
    if not isinstance(groups, list):
        raise _err(sp, "'groups' must be a list")
    metrics: list[MetricDisplay] = []
    for gi, g in enumerate(groups):
        if not isinstance(g, dict) or not isinstance(g.get("id"), str):
            raise _err(sp, f"groups[{gi}] must be a mapping with an 'id'")
        metrics += _metric_list(g.get("metrics") or [], g["id"], f"groups[{gi}].metrics", sp)
    sets = _metric_list(doc.get("set_metrics") or [], "set", "set_metrics", sp)
    ids = [m.id for m in (*metrics, *sets)]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise _err(sp, f"metric(s) listed twice: {sorted(dup)}")
    controls = (doc.get("controls") or {}).get("patterns", [])
    if not isinstance(controls, list) or not all(isinstance(c, str) for c in controls):
        raise _err(sp, "controls.patterns must be a list of strings")
    report = {"strips_per_model": 2, "strips_max": 24, "strip_frames": 6, **(doc.get("report") or {})}
    validity = {"min_auroc": 0.8, "min_detection": 0.8, "max_nuisance_fpr": 0.1, **(doc.get("validity") or {})}
    for k, v in validity.items():
        if k not in ("min_auroc", "min_detection", "max_nuisance_fpr"):
            raise _err(sp, f"validity: unknown key {k!r}")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise _err(sp, f"validity.{k} must be a number in [0, 1]")
    return LeaderboardSchema(
        version=int(doc["version"]), primary={"display": primary["id"], "checks": None,
                                               "require_validity": True, "percent": True, **primary},
        aggregation={"missing": "renormalise", **agg}, statistics=st, validity=validity,
        groups=[{"id": g["id"], "display": g.get("display", g["id"])} for g in groups],
        metrics=tuple(metrics), set_metrics=tuple(sets), include_unlisted=bool(doc.get("include_unlisted", True)),
        controls=tuple(controls), report=report, path=sp, sha256=hashlib.sha256(raw).hexdigest(),
    )
