"""Helpers behind the notebooks: look at one video, its tracks and its verdicts.

Kept in the package (tested) so the notebooks stay thin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.errors import UserError


def find_video(run_dir: str | Path, model: str, probe_id: str, sample: int = 0) -> dict[str, Any]:
    """The manifest row of one video of a run (``UserError`` listing what exists if absent)."""
    from bench.store.run import RunStore

    store = RunStore.open(run_dir)
    rows = [r for r in store.video_rows() if r["model"] == model and r["probe_id"] == probe_id
            and int(r["sample"]) == int(sample)]
    if not rows:
        models = sorted({r["model"] for r in store.video_rows()})
        raise UserError(f"{run_dir}: no video for model {model!r}, probe {probe_id!r}, sample {sample} "
                        f"(models in the run: {', '.join(models)})")
    return {**rows[0], "_root": str(store.root)}


def load_video(row: dict[str, Any]) -> Any:
    from bench.video import read_video

    return read_video(Path(row["_root"]) / row["path"])


def frame_grid(frames: np.ndarray, n: int = 8) -> np.ndarray:
    """``n`` evenly spaced frames side by side (H x n*W x 3 uint8)."""
    idx = np.linspace(0, len(frames) - 1, min(n, len(frames))).round().astype(int)
    return np.concatenate([frames[i] for i in idx], axis=1)


def play_audio(video: Any) -> Any:
    """An ``IPython.display.Audio`` player for the video's sound (channels x samples at its
    rate, not normalised, so quiet stays quiet), or None when the video has no sound track."""
    if getattr(video, "audio", None) is None:
        return None
    from IPython.display import Audio as Player

    return Player(video.audio.samples.T, rate=video.audio.sample_rate, normalize=False)


def verdicts(run_dir: str | Path, model: str, probe_id: str, sample: int = 0) -> pd.DataFrame:
    """Every score of one video: metric, value, verdict, reason, status."""
    from bench.store.run import RunStore

    sc = RunStore.open(run_dir).scores()
    if not len(sc):
        return pd.DataFrame(columns=["metric", "value", "verdict", "reason", "status"])
    sel = sc[(sc.model == model) & (sc.probe_id == probe_id) & (sc["sample"].astype(int) == int(sample))]
    return sel[["metric", "metric_kind", "value", "verdict", "reason", "status"]].sort_values(
        ["metric_kind", "metric"]).reset_index(drop=True)


def plot_tracks(video: Any, probe: dict[str, Any], ax: Any = None) -> Any:
    """Overlay the weight-free tracker's per-object paths (image coordinates) on the middle frame."""
    import matplotlib.pyplot as plt

    from bench.metrics.probes.analysis import analyse

    an = analyse(video, probe)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(video.frames[video.T // 2])
    for name, obj in an.objects.items():
        pts = np.array([an.image_xy(t, obj.xy[t]) if obj.present[t] else (np.nan, np.nan)
                        for t in range(an.T)])
        ax.plot(pts[:, 0], pts[:, 1], ".-", lw=1, ms=3, label=name)
    ax.set_title(f"tracks ({an.detector} detector); camera: {an.camera.status}", fontsize=8)
    ax.legend(fontsize=7, loc="best")
    ax.set_axis_off()
    return an
