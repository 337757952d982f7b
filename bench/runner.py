"""The runner: plan jobs (probe x model x sample), derive seeds, shard, resume, generate.

Seeds.  ``seed = derive_seed(global_seed, suite, probe_id, sample)``: the first 8 bytes of
``sha256("bench-seed/v1|{global}|{suite}|{probe_id}|{sample}")`` as an unsigned integer, masked
to 63 bits.  The model is deliberately *not* part of the seed, so every model gets the same
seed for the same (probe, sample) -- the pairing that paired comparisons rely on.

Sharding.  Jobs are sorted by the stable key (model, suite, probe_id, sample); rank ``r`` of
``w`` takes ``jobs[r::w]``.  Rank and world size come from ``RANK``/``WORLD_SIZE`` (torchrun,
accelerate) or ``SLURM_PROCID``/``SLURM_NTASKS``.  A job is skipped when the run already holds
it (resume), so any rank can die and be rerun.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.errors import UserError
from bench.generators.base import Generator, resolve
from bench.limits import check_video
from bench.store.run import RunStore, job_key
from bench.suites import Suite


def derive_seed(global_seed: int, suite: str, probe_id: str, sample: int) -> int:
    h = hashlib.sha256(f"bench-seed/v1|{int(global_seed)}|{suite}|{probe_id}|{int(sample)}".encode())
    return int.from_bytes(h.digest()[:8], "big") & ((1 << 63) - 1)


def shard_from_env(env: dict[str, str] | None = None) -> tuple[int, int]:
    """(rank, world) from RANK/WORLD_SIZE or SLURM_PROCID/SLURM_NTASKS; (0, 1) if unset."""
    env = dict(os.environ if env is None else env)
    for r_key, w_key in (("RANK", "WORLD_SIZE"), ("SLURM_PROCID", "SLURM_NTASKS")):
        if w_key in env or r_key in env:
            try:
                rank, world = int(env.get(r_key, "0")), int(env.get(w_key, "1"))
            except ValueError:
                raise UserError(f"{r_key}/{w_key} must be integers, got "
                                f"{env.get(r_key)!r}/{env.get(w_key)!r}") from None
            if world < 1 or not 0 <= rank < world:
                raise UserError(f"{r_key}={rank} is not in [0, {w_key}={world})")
            return rank, world
    return 0, 1


@dataclass(frozen=True)
class Job:
    model: str
    suite: str
    probe_id: str
    sample: int
    seed: int

    @property
    def key(self) -> tuple[str, str, str, int]:
        return job_key(self.model, self.suite, self.probe_id, self.sample)


def select_probes(suite: Suite, limit: int | None = None, per_category: int | None = None) -> list[dict[str, Any]]:
    """The probes a run uses: the first ``per_category`` of each category (file order), then the
    first ``limit`` of those.  Both None = every probe."""
    probes = suite.probes
    if per_category:
        seen: dict[str, int] = {}
        picked = []
        for p in probes:
            n = seen.get(p["category"], 0)
            if n < per_category:
                picked.append(p)
                seen[p["category"]] = n + 1
        probes = picked
    return probes[:limit] if limit else probes


def per_category_for(model: str, per_category: int | dict[str, int] | None) -> int | None:
    """``per_category`` for ``model``: the int itself, or the value of the first fnmatch pattern of
    a ``{pattern: n}`` mapping that matches the model name (None: every probe)."""
    if not isinstance(per_category, dict):
        return per_category
    import fnmatch

    for pat, n in per_category.items():
        if fnmatch.fnmatchcase(model, str(pat)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise UserError(f"per_category[{pat!r}] must be an integer >= 1, got {n!r}")
            return n
    return None


def plan(models: list[str], suites: list[Suite], samples: int, global_seed: int,
         limit: int | None = None, per_category: int | dict[str, int] | None = None) -> list[Job]:
    from bench.limits import LIMIT_MAX, check_count, check_jobs, samples_max

    # counts bounded before any list is built (--samples 1000000000 used to fill memory)
    check_count("", "--samples", samples, samples_max())
    if limit is not None:
        check_count("", "--limit", limit, LIMIT_MAX)
    counts = per_category.values() if isinstance(per_category, dict) else [per_category]
    for n in counts:
        if n is not None:
            check_count("", "per_category", n, LIMIT_MAX)
    chosen = {(m, s.name): select_probes(s, limit, per_category_for(m, per_category)) for m in models for s in suites}
    check_jobs(sum(len(v) for v in chosen.values()) * samples, "generate")
    jobs = []
    for m in models:
        for s in suites:
            for p in chosen[(m, s.name)]:
                for k in range(samples):
                    jobs.append(Job(m, s.name, p["id"], k, derive_seed(global_seed, s.name, p["id"], k)))
    jobs.sort(key=lambda j: j.key)
    return jobs


def shard(jobs: list[Job], rank: int, world: int) -> list[Job]:
    return jobs[rank::world]


def progress(iterable: Any, total: int, desc: str) -> Any:
    """Bars on a terminal, periodic count lines otherwise (``bench.progress``)."""
    from bench.progress import progress as _progress

    return _progress(iterable, total, desc, unit="video")


def _check_revision(store: RunStore, made: dict[str, str], row: dict[str, Any]) -> None:
    """A resumed run must not mix videos of two revisions of one model (new weights, a changed
    oracle world): the rows already there would silently stand for the new revision.  Checked
    on the first new video, once its revision is known (some generators learn theirs on load)."""
    have, now = made.get(row["model"], ""), row.get("revision") or ""
    if have and now and have != now:
        raise UserError(f"{store.root}: its {row['model']!r} videos were made by revision {have!r}, the "
                        f"generator is now at {now!r}, and one run cannot mix the two; score the run as "
                        "it is, or generate into a new one (`bench run --fresh` or another `--run` folder)")
    made.setdefault(row["model"], now)


def generate(store: RunStore, models: list[str], suites: list[Suite], *, samples: int,
             global_seed: int, settings: dict[str, Any] | None = None, limit: int | None = None,
             rank: int | None = None, world: int | None = None,
             model_settings: dict[str, dict[str, Any]] | None = None,
             per_category: int | None = None) -> dict[str, Any]:
    """Generate every missing job of this rank's shard into ``store``.  Returns a summary.

    Settings precedence: the generator's defaults < ``settings`` < ``model_settings[model]``.
    """
    if rank is None or world is None:
        rank, world = shard_from_env()
    settings = dict(settings or {})
    gens: dict[str, Generator] = {}
    for m in models:
        g = resolve(m)
        ok, why = g.available()
        if not ok:
            raise UserError(f"model {m!r} cannot run here: {why}")
        gens[m] = g
    by_suite = {s.name: s for s in suites}
    store.sweep_temp(older_than_s=0.0 if world == 1 else 3600.0)
    jobs = shard(plan(models, suites, samples, global_seed, limit, per_category), rank, world)
    done = store.done_keys()
    made: dict[str, str] = {}  # model -> revision of its first video already in the run
    for r in store.video_rows():
        made.setdefault(r["model"], r.get("revision") or "")
    todo = [j for j in jobs if j.key not in done]
    summary = {"planned": len(jobs), "skipped_done": len(jobs) - len(todo), "generated": 0,
               "unsupported": 0, "seconds": 0.0, "rank": rank, "world": world}
    t_all = time.perf_counter()
    labelled = bool(store.meta().get("random_weights"))
    for job in progress(todo, len(todo), f"generate [rank {rank}/{world}]"):
        g = gens[job.model]
        probe = by_suite[job.suite].probe(job.probe_id)
        row = {"model": job.model, "suite": job.suite, "probe_id": job.probe_id,
               "category": probe["category"], "sample": job.sample, "seed": job.seed,
               "prompt": probe["prompt"], "rank": rank}
        ok, why = g.supports(probe)
        if not ok:
            store.add_skipped(row, why)
            summary["unsupported"] += 1
            continue
        merged = {**g.default_settings(), **settings, **(model_settings or {}).get(job.model, {})}
        t0 = time.perf_counter()
        try:
            video = g.generate(probe, job.seed, merged)
            check_video(video, "generator output")  # one `bench score` can read back (fps, size)
        except UserError as e:
            raise UserError(f"model {job.model}, probe {job.probe_id}, sample {job.sample}: {e}") from None
        row["seconds"] = round(time.perf_counter() - t0, 4)
        row["source"] = video.provenance.get("source", "generated")
        row["params"] = video.provenance.get("params", merged)
        row["revision"] = video.provenance.get("revision", g.info.revision)
        _check_revision(store, made, row)
        out = store.add_video(row, video)
        summary["generated"] += 1
        if out.get("random_weights") and not labelled:
            # label the whole run: no score from it may pass as a real model's
            store.update_meta(random_weights=True)
            labelled = True
    for g in gens.values():
        g.close()
    summary["seconds"] = round(time.perf_counter() - t_all, 3)
    return summary
