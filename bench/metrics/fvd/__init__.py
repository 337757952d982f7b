"""Set-level distribution metrics (FVD, KVD) on I3D features."""
