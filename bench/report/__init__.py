"""Leaderboards, plots, sample strips, HTML; notebooks call into this package.

- ``load``: ``runs_df``, ``manifest_df``, ``scores_df``, ``set_scores_df`` — the only readers of
  run directories for analysis;
- ``schema``: the declared, versioned ``leaderboard_schema.yaml`` (metrics shown, names, groups,
  directions, weights);
- ``compute``: every table as a DataFrame (``compute_leaderboard``);
- ``leaderboard``: ``build_leaderboard(run_dirs, out_dir, ...)`` writes md/csv/html/plots;
- ``notebooks``: ``execute_notebook(name, params, out_dir)`` runs ``notebooks/<name>.ipynb``
  with papermill and exports HTML.
"""

from bench.report.leaderboard import build_leaderboard, load_validity
from bench.report.load import manifest_df, runs_df, scores_df, set_scores_df
from bench.report.schema import load_schema

__all__ = ["build_leaderboard", "load_validity", "manifest_df", "runs_df", "scores_df", "set_scores_df",
           "load_schema", "execute_notebook"]


def execute_notebook(*args, **kwargs):  # lazy: papermill is imported only when a notebook runs
    from bench.report.notebooks import execute_notebook as _run

    return _run(*args, **kwargs)
