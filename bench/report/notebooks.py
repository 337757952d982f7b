"""Run the parameterised notebooks (``notebooks/<name>.ipynb``) with papermill, export HTML.

``execute_notebook(name, params, out_dir)``:

1. runs ``notebooks/<name>.ipynb`` with papermill (kernel ``python3``, working directory the
   repository root so ``import bench`` resolves to this checkout), injecting ``params`` after
   the cell tagged ``parameters``;
2. writes the executed notebook to ``out_dir/<name>.ipynb`` and its HTML export (nbconvert
   ``HTMLExporter``; images produced by the notebook are embedded) to ``out_dir/<name>.html``,
   each atomically: a failed execution leaves neither a half-written notebook nor a stale HTML;
3. returns the path of the HTML file (the executed notebook is beside it).

A failing cell raises ``UserError`` naming the notebook and the cell's error, with the
partially executed notebook kept at ``out_dir/<name>.failed.ipynb`` for inspection.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from bench.atomic import atomic_path, write_text
from bench.errors import UserError

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"


def _jsonable(v: Any) -> Any:
    if isinstance(v, os.PathLike):
        return str(v)
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return v


def execute_notebook(name: str, params: Mapping[str, Any], out_dir: str | os.PathLike, *,
                     timeout: int = 1800, notebooks_dir: str | os.PathLike | None = None) -> Path:
    """Execute ``notebooks/<name>.ipynb`` with ``params``; return ``out_dir/<name>.html``."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    src = Path(notebooks_dir or NOTEBOOKS) / f"{name}.ipynb"
    if not src.exists():
        known = ", ".join(sorted(p.stem for p in src.parent.glob("*.ipynb"))) or "none"
        raise UserError(f"unknown notebook {name!r}: {src} not found (known: {known})")
    out = Path(out_dir)
    from bench.safeio import make_out_dir

    make_out_dir(out, "output folder")
    dest = out / f"{name}.ipynb"
    html_path = out / f"{name}.html"
    failed = out / f"{name}.failed.ipynb"
    env_pp = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(REPO) + (os.pathsep + env_pp if env_pp else "")
    try:
        with atomic_path(dest) as tmp:
            try:
                pm.execute_notebook(str(src), str(tmp), parameters=_jsonable(dict(params)), kernel_name="python3",
                                    cwd=str(REPO), progress_bar=False, log_output=False,
                                    execution_timeout=timeout)
            except pm.PapermillExecutionError as e:
                if tmp.exists():
                    os.replace(tmp, failed)
                raise UserError(f"notebook {name}: cell {e.exec_count} failed: {e.ename}: {e.evalue} "
                                f"(partial notebook: {failed})") from None
    finally:
        if env_pp is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = env_pp
    nb = nbformat.read(str(dest), as_version=4)
    body, _ = HTMLExporter().from_notebook_node(nb)
    write_text(html_path, body)
    if failed.exists():
        failed.unlink()
    return html_path
