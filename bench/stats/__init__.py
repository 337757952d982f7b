"""Statistics: bootstrap CIs, paired comparisons, ranks with ties, FD subsampling."""
