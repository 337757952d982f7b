"""Statistics: bootstrap CIs, paired comparisons, ranks with ties, FD subsampling, power.

Pure functions on arrays and DataFrames (no file I/O); the report (``bench.report``) calls them.

- ``aggregate``: per-video values (pass = 1, fail/setup_failed = 0, missing = NaN never 0), the
  hierarchy probe → category → suite → overall, and the ``Design`` every estimator works on;
- ``bootstrap``: stratified two-stage cluster bootstrap, percentile intervals;
- ``paired``: paired bootstrap of the mean difference, sign-flip test, Wilcoxon signed-rank,
  rank-biserial;
- ``ranks``: Holm-adjusted pairwise tests and rank ranges;
- ``subsample``: FD/KVD mean and spread over disjoint subsets at a stated N, real-vs-real floor;
- ``power``: minimum detectable difference.
"""

from bench.stats.aggregate import (LEVELS, PASS_ID, Design, aggregate, check_indicator, counts_table,
                                   incomplete_keys, video_values)
from bench.stats.bootstrap import bootstrap_ci, rng_for
from bench.stats.paired import paired_compare, rank_biserial, sign_flip_p, wilcoxon_signed_rank
from bench.stats.power import mdd_mean, mdd_proportion, n_eff
from bench.stats.ranks import compare_all, holm, rank_label, significance_ranks
from bench.stats.subsample import SubsetEstimate, real_floor, subset_fd

__all__ = [
    "LEVELS", "PASS_ID", "Design", "aggregate", "check_indicator", "counts_table", "incomplete_keys",
    "video_values", "bootstrap_ci", "rng_for", "paired_compare", "rank_biserial", "sign_flip_p",
    "wilcoxon_signed_rank", "mdd_mean", "mdd_proportion", "n_eff", "compare_all", "holm",
    "rank_label", "significance_ranks", "SubsetEstimate", "real_floor", "subset_fd",
]
