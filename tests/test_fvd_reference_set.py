"""The FVD reference: a set of real videos the user names (recorded in run.json); the oracle
ensemble only as a labelled sanity check."""

from __future__ import annotations

import pytest

from bench.errors import UserError
from bench.metrics.fvd import sets
from tests.tinypipes import ramp_frames, write_video_file


def test_named_set_is_parsed_recorded_and_read(tmp_path):
    folder = tmp_path / "real"
    folder.mkdir()
    for i in range(3):
        write_video_file(folder / f"clip{i}.mp4", ramp_frames(t=10, h=32, w=32, seed=i))
    spec = {"name": "my real clips", "folder": str(folder), "n": 2}
    rec = sets.reference_record(spec)
    assert rec["kind"] == "named-set" and rec["role"] == "headline FVD" and rec["n"] == 2
    assert rec["files_found"] == 3 and len(rec["files_sha256"]) == 64
    ref = sets._reference_for(spec, "physics", [], clip_frames=8)
    vids = list(ref.videos)
    assert len(vids) == 2 and all(v.T == 8 for v in vids)
    assert ref.label.startswith("my real clips (folder") and "n=2 clips" in ref.label
    with pytest.raises(UserError, match="folder .* not found"):
        sets._reference_for({**spec, "folder": str(tmp_path / "none")}, "physics", [], 8)


@pytest.mark.parametrize("bad, why", [
    ({"folder": "x", "n": 4}, "'name'"),
    ({"name": "a", "folder": "x", "n": 1}, "'n'"),
    ({"name": "a", "folder": "x", "n": 4, "k": 1}, "unknown key 'k'"),
])
def test_bad_named_set_is_one_line_error(bad, why):
    with pytest.raises(UserError, match=why):
        sets.parse_named_reference(bad, "configs/x.yaml: key 'reference'")


def test_oracle_ensemble_is_labelled_a_sanity_check():
    assert sets.reference_record("oracle-ensemble")["role"].startswith("SANITY CHECK ONLY")
    assert sets.reference_record(None)["kind"] == "oracle-ensemble"


def test_gpu_profile_headline_fvd_is_a_named_real_set():
    from bench.profiles import CONFIGS, load_config

    cfg = load_config(CONFIGS / "gpu.yaml")
    named = sets.parse_named_reference(cfg["reference"])
    assert named is not None and named["n"] >= 2 and "real" in named["name"]
