"""Leaderboard plots (PNG) drawn with matplotlib's object API on the Agg canvas.

No ``pyplot``: figures are ``matplotlib.figure.Figure`` objects saved directly, so drawing here
never changes the backend of a notebook or a GUI session that imports this module.  Every file
is written atomically.  Missing values are drawn as grey cells or absent bars marked "—",
never as 0.
"""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from bench.atomic import atomic_path

SECTION_COLOURS = {"generator": "#3b6ea8", "control": "#8c8c8c", "random": "#d98c2b"}
MISSING_COLOUR = "#e6e6e6"


def _figure(w: float, h: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h), dpi=100, layout="constrained")


def _save(fig, path: Path) -> Path:
    """Save as PNG with every text drawn literally: model names, prompts and reasons are user
    text, and a ``$`` in one must not be parsed as mathtext (an unbalanced one raised)."""
    import matplotlib
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        t.set_parse_math(False)
    with matplotlib.rc_context({"text.parse_math": False}), atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    return path


def bars_with_ci(rows: pd.DataFrame, path: Path, *, title: str, ylabel: str, percent: bool = False,
                 direction: str = "higher") -> Path:
    """One bar per entry (``entry, section, estimate, ci_lo, ci_hi``), 95% CI whiskers, best first."""
    r = rows.copy()
    sign = -1.0 if direction == "lower" else 1.0
    r = r.assign(_k=(sign * r["estimate"]).fillna(-np.inf)).sort_values("_k", ascending=False, kind="mergesort")
    scale = 100.0 if percent else 1.0
    n = len(r)
    if n > 12:  # many entries (e.g. the controls): horizontal bars stay readable
        return _hbars_with_ci(r, path, title=title, label=ylabel, scale=scale, percent=percent)
    fig = _figure(max(4.0, 0.9 * n + 1.5), 3.6)
    ax = fig.add_subplot()
    x = np.arange(n)
    est = r["estimate"].to_numpy(float) * scale
    lo = r["ci_lo"].to_numpy(float) * scale
    hi = r["ci_hi"].to_numpy(float) * scale
    colours = [SECTION_COLOURS.get(s, "#3b6ea8") for s in r["section"]]
    ok = np.isfinite(est)
    ax.bar(x[ok], est[ok], color=[c for c, o in zip(colours, ok) if o], width=0.7,
           hatch=None, edgecolor="black", linewidth=0.4)
    for xi, s in zip(x, r["section"]):
        if s == "random":
            ax.text(xi, 0, "random\nweights", ha="center", va="bottom", fontsize=7, rotation=90, color="black")
    err = np.vstack([est - lo, hi - est])
    good = ok & np.isfinite(lo) & np.isfinite(hi)
    ax.errorbar(x[good], est[good], yerr=err[:, good], fmt="none", ecolor="black", capsize=4, linewidth=1)
    for xi in x[~ok]:
        ax.text(xi, 0, "—", ha="center", va="bottom", fontsize=12)
    ax.set_xticks(x, [textwrap.shorten(str(e), 28, placeholder="…") for e in r["entry"]], rotation=30, ha="right",
                  fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    if percent:
        ax.set_ylim(0, 100)
    ax.grid(axis="y", alpha=0.3)
    _section_legend(ax, r, "upper right")
    return _save(fig, path)


def _section_legend(ax, r: pd.DataFrame, loc: str) -> None:  # type: ignore[no-untyped-def]
    """A colour legend of the sections present, when there is more than one."""
    from matplotlib.patches import Patch

    present = [s for s in SECTION_COLOURS if s in set(r["section"])]
    if len(present) > 1:
        ax.legend(handles=[Patch(color=SECTION_COLOURS[s], label=s) for s in present], fontsize=7, loc=loc)


def _hbars_with_ci(r: pd.DataFrame, path: Path, *, title: str, label: str, scale: float,
                   percent: bool) -> Path:
    """``bars_with_ci`` for many entries: one horizontal bar per row, best at the top."""
    n = len(r)
    fig = _figure(7.5, max(3.0, 0.22 * n + 1.2))
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    est = r["estimate"].to_numpy(float) * scale
    lo = r["ci_lo"].to_numpy(float) * scale
    hi = r["ci_hi"].to_numpy(float) * scale
    colours = [SECTION_COLOURS.get(s, "#3b6ea8") for s in r["section"]]
    ok = np.isfinite(est)
    ax.barh(y[ok], est[ok], color=[c for c, o in zip(colours, ok) if o], height=0.7, edgecolor="black",
            linewidth=0.4)
    good = ok & np.isfinite(lo) & np.isfinite(hi)
    err = np.vstack([est - lo, hi - est])
    ax.errorbar(est[good], y[good], xerr=err[:, good], fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    for yi in y[~ok]:
        ax.text(0, yi, "—", ha="left", va="center", fontsize=9)
    names = [textwrap.shorten(str(e), 34, placeholder="…") + (" [random weights]" if s == "random" else "")
             for e, s in zip(r["entry"], r["section"])]
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlabel(label)
    ax.set_title(title, fontsize=10)
    if percent:
        ax.set_xlim(0, 100)
    ax.grid(axis="x", alpha=0.3)
    _section_legend(ax, r, "lower right")
    return _save(fig, path)


def heatmap(mat: pd.DataFrame, path: Path, *, title: str, vmin: float = 0.0, vmax: float = 1.0,
            fmt: str = "{:.0%}", cmap: str = "viridis", xlabel: str = "", ylabel: str = "") -> Path:
    """Annotated heatmap of ``mat`` (rows × columns); NaN cells grey and marked "—"."""
    from matplotlib import colormaps

    nr, nc = mat.shape
    fig = _figure(max(4.0, 0.75 * nc + 3.0), max(2.5, 0.4 * nr + 1.5))
    ax = fig.add_subplot()
    vals = mat.to_numpy(float)
    cm = colormaps[cmap].with_extremes(bad=MISSING_COLOUR)
    im = ax.imshow(np.ma.masked_invalid(vals), cmap=cm, vmin=vmin, vmax=vmax, aspect="auto")
    for i in range(nr):
        for j in range(nc):
            v = vals[i, j]
            if np.isfinite(v):
                shade = (v - vmin) / (vmax - vmin) if vmax > vmin else 0.5
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7,
                        color="white" if shade < 0.55 else "black")
            else:
                ax.text(j, i, "—", ha="center", va="center", fontsize=8, color="#555555")
    ax.set_xticks(range(nc), [textwrap.shorten(str(c), 30, placeholder="…") for c in mat.columns], rotation=35,
                  ha="right", fontsize=7)
    ax.set_yticks(range(nr), [textwrap.shorten(str(r), 34, placeholder="…") for r in mat.index], fontsize=7)
    ax.set_title(title, fontsize=10)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    fig.colorbar(im, ax=ax, shrink=0.8)
    return _save(fig, path)


def dose_response(dose: pd.DataFrame, path: Path, *, title: str = "Dose–response", ylabel: str = "value") -> Path:
    """One panel per violation: ``value`` against ``dose``, one line per metric (``lo``/``hi`` bands if given)."""
    viols = list(dict.fromkeys(dose["violation"]))
    n = len(viols)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig = _figure(4.0 * cols, 3.0 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, v in zip(axes, viols):
        d = dose[dose["violation"] == v]
        for m, g in d.groupby("metric", sort=True):
            g = g.sort_values("dose")
            ax.plot(g["dose"], g["value"], marker="o", markersize=3, linewidth=1, label=str(m))
            if {"lo", "hi"} <= set(g.columns):
                ax.fill_between(g["dose"], g["lo"], g["hi"], alpha=0.15)
        ax.set_title(str(v), fontsize=9)
        ax.set_xlabel("violation magnitude", fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def frame_windows(reason: str) -> list[tuple[int, int]]:
    """Frame windows a reason names ("absent in frames 14–23", "after frame 5") as (first, last)."""
    out = []
    for m in re.finditer(r"\bframes?\s+(\d+)(?:\s*(?:–|-|to)\s*(\d+))?", reason or ""):
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        out.append((min(a, b), max(a, b)))
    return out


def frame_strip(frames: np.ndarray, path: Path, *, title_lines: Sequence[str], n_frames: int = 6,
                highlight: Sequence[tuple[int, int]] = ()) -> Path:
    """A row of evenly spaced frames with a caption (model, probe, check, reason).

    Frames named by ``highlight`` windows (first and last of each) are added to the row and framed
    in red, so the reader sees the moment the reason talks about.
    """
    T = frames.shape[0]
    pick = set(np.linspace(0, T - 1, min(n_frames, T)).round().astype(int).tolist())
    for a, b in highlight:
        pick |= {i for i in (a, b) if 0 <= i < T}
    idx = sorted(pick)[: n_frames + 4]
    hot = {i for i in idx for a, b in highlight if a <= i <= b}
    h, w = frames.shape[1:3]
    sep = np.full((h, max(2, w // 32), 3), 255, np.uint8)
    tiles = []
    for k, i in enumerate(idx):
        tiles.append(frames[i])
        if k < len(idx) - 1:
            tiles.append(sep)
    strip = np.concatenate(tiles, axis=1)
    scale = max(1.0, 96.0 / h)
    W_in = max(5.0, strip.shape[1] * scale / 100.0)
    wrap = max(40, int(W_in * 15))
    lines: list[str] = []
    for t in title_lines:
        parts = textwrap.wrap(t, wrap) or [""]
        lines += parts[:2] if len(parts) <= 2 else [parts[0], textwrap.shorten(" ".join(parts[1:]), wrap, placeholder="…")]
    H_in = strip.shape[0] * scale / 100.0 + 0.2 * len(lines) + 0.4
    fig = _figure(W_in, H_in)
    ax = fig.add_subplot()
    ax.imshow(strip, interpolation="nearest")
    step = w + sep.shape[1]
    ax.set_xticks([step * k + w / 2 for k in range(len(idx))], [f"t={i}" for i in idx], fontsize=7)
    for k, (i, lab) in enumerate(zip(idx, ax.get_xticklabels())):
        if i in hot:
            lab.set_color("#c00000")
            from matplotlib.patches import Rectangle

            ax.add_patch(Rectangle((step * k - 0.5, -0.5), w, h, fill=False, edgecolor="#c00000", linewidth=2))
    ax.set_yticks([])
    ax.set_title("\n".join(lines), fontsize=8, loc="left")
    return _save(fig, path)


def onset_strip(video, n_frames: int = 10):  # type: ignore[no-untyped-def]
    """The frame strip of a video with sound, and its audio onset envelope under it on the same
    time axis: a ``matplotlib.figure.Figure`` with two axes (frames; envelope in dB against
    seconds), or None when the video has no sound track.

    Top: ``n_frames`` evenly spaced frames side by side, drawn over [0, T / fps] s (frame i's
    tile is labelled with its time i / fps).  Bottom: ``bench.audio.onsets.onset_strength`` (one
    value per hop, at time hop_index / envelope_rate), with the detected onsets
    (``onset_times``) as red vertical lines.  The same envelope the ``av.*`` checks read."""
    from bench.audio.onsets import onset_strength, onset_times
    from bench.explore import frame_grid

    if getattr(video, "audio", None) is None:
        return None
    T, dur = len(video.frames), len(video.frames) / float(video.fps)
    env, rate = onset_strength(video.audio)
    on, _ = onset_times(video.audio)
    idx = np.linspace(0, T - 1, min(n_frames, T)).round().astype(int)
    fig = _figure(14, 3.6)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1.4, 1])
    top.imshow(frame_grid(video.frames, n_frames), extent=(0.0, dur, 0.0, 1.0), aspect="auto")
    top.set_yticks([])
    top.set_xticks((np.arange(len(idx)) + 0.5) * dur / len(idx), [f"{i / video.fps:.2f}" for i in idx])
    top.tick_params(labelbottom=True)
    top.set_title("frames (time of each tile, s)", fontsize=9)
    t = np.arange(len(env)) / rate
    bottom.plot(t, env, color="#3b6ea8", lw=1, label="onset strength")
    for x in on:
        bottom.axvline(float(x), color="#c0392b", lw=0.8, alpha=0.8)
    bottom.set_xlim(0.0, max(dur, float(t[-1]) if len(t) else dur))
    bottom.set_xlabel("time (s)")
    bottom.set_ylabel("onset (dB)")
    bottom.set_title(f"audio onset envelope; {len(on)} onset(s) in red", fontsize=9)
    return fig
