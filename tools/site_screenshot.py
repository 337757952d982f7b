"""Screenshot a page of the results site with headless Chromium (for the README).

    python tools/site_screenshot.py results/site/index.html --out results/site.png [--size 1280x1500]

Uses the system ``chromium`` (Debian package) with a fresh profile and no network; writes the PNG
atomically.  Exits 2 with one ``site_screenshot: error: ...`` line if Chromium or the page is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--mute-audio", "--host-resolver-rules=MAP * ~NOTFOUND"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page", help="an HTML file of the site, e.g. results/site/index.html")
    ap.add_argument("--out", default="results/site.png", help="PNG to write (default results/site.png)")
    ap.add_argument("--size", default="1280x1500", help="window WIDTHxHEIGHT in CSS pixels (default 1280x1500)")
    a = ap.parse_args(argv)
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    page = Path(a.page)

    def fail(msg: str) -> int:
        print(f"site_screenshot: error: {msg}", file=sys.stderr)
        return 2

    if exe is None:
        return fail("chromium not found (apt-get install -y chromium)")
    if not page.is_file():
        return fail(f"{page}: page not found (run `bench report RUN --out DIR` first)")
    try:
        w, h = (int(x) for x in a.size.lower().split("x"))
    except ValueError:
        return fail(f"--size must be WIDTHxHEIGHT, got {a.size!r}")
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".tmp-{out.name}")
    with tempfile.TemporaryDirectory(prefix="chromium-") as prof:
        cmd = [exe, *FLAGS, f"--user-data-dir={prof}", f"--window-size={w},{h}", f"--screenshot={tmp}",
               page.resolve().as_uri()]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        return fail(f"chromium failed ({r.returncode}): {r.stderr.strip().splitlines()[-1:]}")
    os.replace(tmp, out)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
