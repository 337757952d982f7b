"""``bench weights list | fetch | verify`` through the real command line."""

from __future__ import annotations

import json

from bench.cli import main


def test_list_json_reports_status_and_how_to_get(capsys):
    assert main(["weights", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    r = rows["i3d-styleganv-torchscript"]
    assert r["found"] is False and "bench weights fetch i3d-styleganv-torchscript" in r["status"]
    assert r["source"].startswith("https://www.dropbox.com/") and r["size"] and r["licence"]


def test_list_text_and_found(tmp_path, monkeypatch, capsys):
    wdir = tmp_path / "w"
    (wdir / "raft-small").mkdir(parents=True)
    (wdir / "raft-small" / "raft_small_C_T_V2-01064c6d.pth").write_bytes(b"not the real file")
    monkeypatch.setenv("BENCH_WEIGHTS_DIR", str(wdir))
    assert main(["weights", "list"]) == 0
    out = capsys.readouterr().out
    assert "found   raft-small" in out and "MISSING clip-vit-base-patch32" in out
    # verify hashes it: the torchvision sha256 prefix in the name does not match
    assert main(["weights", "verify", "raft-small"]) == 1
    assert "sha256 mismatch" in capsys.readouterr().out


def test_fetch_offline_is_a_one_line_error(capsys):
    assert main(["weights", "fetch", "raft-small"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("bench: error: cannot fetch raft-small: offline") and err.count("\n") == 1
    assert main(["weights", "fetch", "no-such"]) == 2
    assert "unknown weight 'no-such'" in capsys.readouterr().err


def test_verify_nothing_present_is_ok(capsys):
    assert main(["weights", "verify"]) == 0
    assert "not present here" in capsys.readouterr().out
