"""Do provenance signals survive ordinary reposting?  The survival study.

Sources.  ``n`` oracle-world renders (probes spread over the physics, permanence and identity
suites, seeded), each carrying every signal the suite can emit: the invisible watermark
(:mod:`bench.watermark`, embedded in the pixels), the container tags (:func:`bench.video.synthetic_tags`)
and C2PA credentials (:mod:`bench.credentials`, embedded), written as the H.264 MP4 a user would
share (``bench.video.write_video``, CRF 18).

Transformations (:data:`TRANSFORMS`), all with PyAV/FFmpeg.  Re-encodes behave like the
``ffmpeg`` command line with default options: the input's global metadata is copied to the output
(MP4 keeps only the standard keys, e.g. ``comment``), nothing else is.  The screen-capture chain
records pixels only, so it carries no metadata.  A file copy is the control (everything must
survive it).

Signals, observed on each output (:mod:`bench.signals`): ``container tag`` (the tags still say
synthetic), ``C2PA present`` (a manifest is found), ``C2PA valid`` (found and validates: every
hash and the signature), ``watermark`` (the suite's payload detected at false-positive p <= 1e-4).

Statistics.  Per (transformation, signal): survivors ``k`` of ``n``, the share and its 95 % Wilson
score interval (Wilson 1927; Brown, Cai & DasGupta 2001, eq. 4), which stays inside [0, 1] and
behaves at 0 and n, where most of these shares sit.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import numpy as np

SIGNALS = ("container tag", "C2PA present", "C2PA valid", "watermark")


@dataclass(frozen=True)
class Transform:
    name: str
    label: str
    codec: str | None = None             # None: stream copy (remux) or file copy
    ext: str = ".mp4"
    options: dict[str, str] = field(default_factory=dict)
    frames: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None
    fps_divisor: int = 1
    keep_metadata: bool = True


def _resize(scale: float) -> Callable[[np.ndarray, np.random.Generator], np.ndarray]:
    def f(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        import cv2

        h, w = max(16, round(x.shape[1] * scale)), max(16, round(x.shape[2] * scale))
        return np.stack([cv2.resize(fr, (w, h), interpolation=cv2.INTER_AREA) for fr in x])
    return f


def _crop(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = x.shape[1], x.shape[2]
    ch, cw = round(h * 0.8), round(w * 0.8)
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    return x[:, y0:y0 + ch, x0:x0 + cw]


def _screen(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    y = _resize(0.75)(x, rng).astype(np.float64)
    y += rng.normal(0.0, 2.0, size=y.shape)
    return np.clip(np.rint(y), 0, 255).astype(np.uint8)


H264 = {"crf": "23", "preset": "medium"}
TRANSFORMS: tuple[Transform, ...] = (
    Transform("copy", "file copy (control)"),
    Transform("remux-mp4", "remux MP4 -> MP4 (stream copy)"),
    Transform("remux-mkv", "remux MP4 -> MKV (stream copy)", ext=".mkv"),
    Transform("h264-crf23", "H.264 re-encode, CRF 23", "libx264", options=H264),
    Transform("h264-crf35", "H.264 re-encode, CRF 35", "libx264", options={"crf": "35", "preset": "medium"}),
    Transform("h265-crf28", "H.265 re-encode, CRF 28", "libx265",
              options={"crf": "28", "preset": "fast", "x265-params": "log-level=none"}),
    Transform("vp9-crf40", "VP9 re-encode to WebM, CRF 40", "libvpx-vp9", ".webm",
              options={"crf": "40", "b": "0", "deadline": "good", "cpu-used": "4"}),
    Transform("resize-50", "resize to 50 % + H.264 CRF 23", "libx264", options=H264, frames=_resize(0.5)),
    Transform("fps-half", "frame rate halved (every other frame) + H.264 CRF 23", "libx264", options=H264,
              fps_divisor=2),
    Transform("trim", "trim: second half kept + H.264 CRF 23", "libx264", options=H264,
              frames=lambda x, rng: x[x.shape[0] // 2:]),
    Transform("crop-80", "crop to the central 80 % + H.264 CRF 23", "libx264", options=H264, frames=_crop),
    Transform("screen-capture", "screen-capture-like: resize 75 % + noise sd 2 + H.264 CRF 28, no metadata",
              "libx264", options={"crf": "28", "preset": "medium"}, frames=_screen, keep_metadata=False),
)


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95 % Wilson score interval for ``k`` successes in ``n`` trials (``n >= 1``)."""
    if n < 1:
        raise ValueError("wilson: n must be >= 1")
    p = k / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


# --------------------------------------------------------------------------- transformations


def _remux(src: Path, dst: Path) -> None:
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        for k, v in inp.metadata.items():
            out.metadata[k] = v
        ins = inp.streams.video[0]
        ost = out.add_stream_from_template(ins)
        for pkt in inp.demux(ins):
            if pkt.dts is None:
                continue
            pkt.stream = ost
            out.mux(pkt)


def _encode(frames: np.ndarray, fps: float, dst: Path, t: Transform, meta: dict[str, str]) -> None:
    import av

    frames = frames[:, : frames.shape[1] // 2 * 2, : frames.shape[2] // 2 * 2]   # yuv420p: even sizes
    with av.open(str(dst), "w") as out:
        if t.keep_metadata:
            for k, v in meta.items():
                out.metadata[k] = v
        s = out.add_stream(t.codec, rate=Fraction(fps).limit_denominator(1001))
        s.pix_fmt = "yuv420p"
        s.width, s.height = frames.shape[2], frames.shape[1]
        s.options = dict(t.options)
        for fr in frames:
            for pkt in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(fr), format="rgb24")):
                out.mux(pkt)
        for pkt in s.encode():
            out.mux(pkt)


def apply(t: Transform, src: Path, dst: Path, rng: np.random.Generator) -> None:
    """Write ``src`` transformed by ``t`` to ``dst``."""
    if t.name == "copy":
        shutil.copyfile(src, dst)
        return
    if t.codec is None:
        _remux(src, dst)
        return
    from bench.signals import container_metadata
    from bench.video import read_video

    v = read_video(src)
    frames, fps = v.frames, v.fps
    if t.fps_divisor > 1:
        frames, fps = frames[:: t.fps_divisor], fps / t.fps_divisor
    if t.frames is not None:
        frames = t.frames(frames, rng)
    _encode(frames, fps, dst, t, container_metadata(src))


# --------------------------------------------------------------------------- the study


def make_sources(n: int, folder: Path, *, seed: int = 20261129, frames: int = 24, size: int = 128,
                 marked: bool = True) -> list[Path]:
    """``n`` signed, tagged, watermarked oracle renders as MP4 files in ``folder`` (``marked=False``:
    the same renders with no signal at all, the negative control)."""
    from bench.generators.base import resolve
    from bench.suites import load_suites
    from bench.video import synthetic_tags, write_video
    from bench.watermark import mark_video

    probes = [p for s in load_suites(["physics", "permanence", "identity"]) for p in s.probes]
    step = max(1, len(probes) // n)
    picked = (probes[::step] + probes)[:n]
    g = resolve("oracle")
    settings = {**g.default_settings(), "frames": frames, "size": size}
    out = []
    for i, probe in enumerate(picked):
        v = g.generate(probe, seed + i, settings)
        if not marked:  # the negative control: same pixels, no tags, no credentials, no watermark
            p = folder / f"plain-{i:03d}.mp4"
            write_video(v, p, lossless=False, crf=18, tags={}, sign=False)
            out.append(p)
            continue
        v, _ = mark_video(v)
        prov = {"model": "oracle", "probe_id": probe["id"], "prompt": probe["prompt"], "seed": seed + i,
                "source": "rendered", "revision": g.info.revision, "suite": probe["id"].split(".")[0]}
        p = folder / f"src-{i:03d}.mp4"
        write_video(v, p, lossless=False, crf=18, tags=synthetic_tags(prov), credentials=prov)
        out.append(p)
    return out


def observe_signals(path: Path) -> dict[str, bool]:
    from bench.credentials import read_credentials
    from bench.signals import container_metadata, tag_signal
    from bench.video import read_video
    from bench.watermark import detect

    c = read_credentials(path)
    return {"container tag": bool(tag_signal(container_metadata(path))["present"]),
            "C2PA present": bool(c.get("present")), "C2PA valid": bool(c.get("present") and c.get("valid")),
            "watermark": bool(detect(read_video(path).frames)["detected"])}


def run_study(n: int = 30, *, seed: int = 20261129, frames: int = 24, size: int = 128,
              transforms: tuple[Transform, ...] = TRANSFORMS) -> "Any":
    """Long table: transformation, label, signal, n, survived, share, ci_low, ci_high, before.

    ``before`` counts the sources that carried the signal (all ``n`` of them, or the study says
    so); shares are over all ``n`` sources.
    """
    import pandas as pd

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-survival-") as tmp:
        folder = Path(tmp)
        sources = make_sources(n, folder, seed=seed, frames=frames, size=size)
        before = {s: 0 for s in SIGNALS}
        for src in sources:
            for s, ok in observe_signals(src).items():
                before[s] += ok
        rows += _control_rows(n, folder, seed, frames, size)
        rng = np.random.default_rng(seed)
        for t in transforms:
            hits = {s: 0 for s in SIGNALS}
            for i, src in enumerate(sources):
                dst = folder / f"{t.name}-{i:03d}{t.ext}"
                apply(t, src, dst, rng)
                for s, ok in observe_signals(dst).items():
                    hits[s] += ok
                dst.unlink()
            for s in SIGNALS:
                lo, hi = wilson(hits[s], n)
                rows.append({"transformation": t.name, "label": t.label, "signal": s, "n": n,
                             "survived": hits[s], "share": hits[s] / n, "ci_low": lo, "ci_high": hi,
                             "before": before[s]})
    return pd.DataFrame(rows)


def _control_rows(n: int, folder: Path, seed: int, frames: int, size: int) -> list[dict[str, Any]]:
    """Negative control: the signals "found" in the same renders written with none (a false
    positive of the watermark detector, a stray tag); every share should be 0."""
    hits = {s: 0 for s in SIGNALS}
    for p in make_sources(n, folder, seed=seed, frames=frames, size=size, marked=False):
        for s, ok in observe_signals(p).items():
            hits[s] += ok
        p.unlink()
    return [{"transformation": "unmarked", "label": "negative control: the same renders written without any signal",
             "signal": s, "n": n, "survived": hits[s], "share": hits[s] / n, "ci_low": wilson(hits[s], n)[0],
             "ci_high": wilson(hits[s], n)[1], "before": 0} for s in SIGNALS]


# --------------------------------------------------------------------------- tables


def wide(df: "Any") -> "Any":
    """One row per transformation, one column per signal: ``share % [low, high]`` (k/n)."""
    import pandas as pd

    cell = df.apply(lambda r: f"{r.share:.0%} [{r.ci_low:.0%}, {r.ci_high:.0%}] ({r.survived}/{r.n})", axis=1)
    t = df.assign(cell=cell).pivot(index=["transformation", "label"], columns="signal", values="cell")
    order = [x for x in ["unmarked"] + [x.name for x in TRANSFORMS] if x in set(df.transformation)]
    t = t.reindex(columns=[s for s in SIGNALS if s in t.columns])
    t = t.reset_index().set_index("transformation").loc[order].reset_index()
    return pd.DataFrame(t.values, columns=["transformation", "what"] + list(t.columns[2:]))


INTRO = (
    "Share of {n} suite videos (oracle renders, {frames} frames at {size} x {size}, H.264 MP4) in which each "
    "provenance signal survives each transformation, with 95 % Wilson intervals. Before any transformation "
    "the sources carried: {before}. *Survives*: container tag = the tags still say synthetic/AI-generated; "
    "C2PA present = a manifest is still found; C2PA valid = found and it validates; watermark = the suite's "
    "DWT-DCT payload detected at false-positive p <= 1e-4. Re-encodes copy global metadata like the ffmpeg "
    "command line does; the screen-capture chain keeps none. The *unmarked* row is a negative control "
    "(the same renders written without any signal): whatever is found there is a false positive. Absence of a signal is not evidence of "
    "authenticity; one detector score is not proof of fabrication."
)


def write_tables(df: "Any", out_dir: str | Path, *, frames: int, size: int) -> list[Path]:
    """Write ``provenance.csv`` (long), ``provenance.md`` and ``provenance.html`` (wide) in ``out_dir``."""
    import html

    from bench.atomic import write_text

    out = Path(out_dir)
    n = int(df.n.iloc[0])
    first = df[df.transformation != "unmarked"].drop_duplicates("signal").set_index("signal")["before"]
    intro = INTRO.format(n=n, frames=frames, size=size,
                         before=", ".join(f"{s} {int(first[s])}/{n}" for s in first.index))
    w = wide(df)
    md = ["# Provenance signal survival", "", intro, "",
          "| " + " | ".join(w.columns) + " |", "|" + "---|" * len(w.columns)]
    md += ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in w.itertuples(index=False)]
    paths = [out / "provenance.csv", out / "provenance.md", out / "provenance.html"]
    write_text(paths[0], df.to_csv(index=False, float_format="%.4f"))
    write_text(paths[1], "\n".join(md) + "\n")
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>Provenance signal survival</title>"
            "<style>body{font-family:sans-serif;max-width:75em;margin:2em auto}td,th{padding:.3em .6em;"
            "border-bottom:1px solid #ddd;text-align:left}</style></head><body>"
            f"<h1>Provenance signal survival</h1><p>{html.escape(intro)}</p>"
            + w.to_html(index=False, escape=True, border=0) + "</body></html>\n")
    write_text(paths[2], page)
    return paths


def run_notebook(out_dir: str | Path, cfg: dict[str, Any]) -> list[Path]:
    """Run ``notebooks/provenance.ipynb`` (what ``bench run`` does when the config has
    ``provenance_study: {videos, frames, size, seed}``); returns the tables it wrote."""
    from bench.errors import UserError
    from bench.report.notebooks import execute_notebook

    known = {"videos", "frames", "size", "seed"}
    if set(cfg) - known:
        raise UserError(f"provenance_study: unknown keys {sorted(set(cfg) - known)} (known: {sorted(known)})")
    params = {"out_dir": str(out_dir), "n_videos": int(cfg.get("videos", 30)), "frames": int(cfg.get("frames", 24)),
              "size": int(cfg.get("size", 128)), "seed": int(cfg.get("seed", 20261129))}
    if params["n_videos"] < 1 or params["frames"] < 4 or params["size"] < 32:
        raise UserError("provenance_study: videos must be >= 1, frames >= 4, size >= 32")
    execute_notebook("provenance", params, Path(out_dir) / "notebooks")
    return [Path(out_dir) / f"provenance.{x}" for x in ("csv", "md", "html")]
