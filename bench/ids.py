"""Identifiers the user types or a file supplies, validated once where they enter.

Model names, suite names, probe ids and sample indices become path components
(``videos/<model>/<suite>/<probe_id>-<sample>.<hash>.mkv``) and table keys, so each is checked
with a *full* match (``re.fullmatch``: ``$`` would accept a trailing newline), capped in length
(a file name stays far below the 255-byte limit with the temp prefix and hash), and given one
canonical spelling (``oracle+vanish:1e0`` and ``oracle+vanish:1.0`` are one model).

Path components are collision-free by construction: the allowed alphabet excludes ``/``,
spaces, ``=`` and leading dots, and :func:`path_component` maps ``:`` to ``=`` (a character a
valid name cannot contain), so two distinct valid names never share a folder.
"""

from __future__ import annotations

import math
import re

from bench.errors import UserError

MODEL_MAX = 96
SUITE_MAX = 48
PROBE_ID_MAX = 100
SAMPLE_MAX = 99_999          # sample indices 0 .. 99999 (five digits)
SEED_MAX = (1 << 63) - 1

_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+~:-]*")
_SUITE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
PROBE_ID = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
_VARIANT = re.compile(r"(?P<base>[^+~]+)(?P<sep>[+~])(?P<name>[A-Za-z0-9_]+)(?::(?P<mag>[^:]+))?")

#: Model names ``bench import`` refuses: they name the reference world, whose rows every
#: validity table and FVD reference treat as ground truth.
RESERVED_FOR_IMPORT = ("oracle",)


def _magnitude(text: str, sep: str, whole: str) -> str:
    try:
        x = float(text)
    except ValueError:
        raise UserError(f"model {whole!r}: magnitude {text!r} is not a number") from None
    if not math.isfinite(x):
        raise UserError(f"model {whole!r}: magnitude {text!r} is not finite")
    if sep == "~" and x == int(x) and abs(x) < 1e15:
        return str(int(x))          # nuisance settings are counts/levels: oracle~h264:28
    return repr(float(x))           # violation magnitudes: oracle+vanish:1.0 (== :1e0 == :1)


def model_name(name: object, what: str = "--model") -> str:
    """The canonical spelling of a valid model name, or ``UserError``.

    >>> model_name("oracle+vanish:1e0")
    'oracle+vanish:1.0'
    >>> model_name("oracle~h264:28.0")
    'oracle~h264:28'
    """
    if not isinstance(name, str) or not name:
        raise UserError(f"{what}: a model name must be a non-empty string, got {name!r}")
    if len(name) > MODEL_MAX:
        raise UserError(f"{what}: model name of {len(name)} characters is longer than {MODEL_MAX}")
    if not _MODEL.fullmatch(name):
        raise UserError(f"{what}: {name!r} is not a plain model name (letters, digits and . _ + ~ : - "
                        "only; no spaces, '/', '=' or leading '.')")
    m = _VARIANT.fullmatch(name)
    if m and m["mag"] is not None:
        name = f"{m['base']}{m['sep']}{m['name']}:{_magnitude(m['mag'], m['sep'], name)}"
    return name


def import_model_name(name: object) -> str:
    """A valid model name that does not claim to be the oracle (reserved for rendered ground truth)."""
    n = model_name(name)
    base = re.split(r"[+~]", n, maxsplit=1)[0]
    if base.lower() in RESERVED_FOR_IMPORT:
        raise UserError(f"--model {n!r} is reserved for the oracle world's renders (the reference every "
                        "table compares against); name the imported videos after their maker")
    return n


def suite_name(name: object, where: str = "suite") -> str:
    if not isinstance(name, str) or not _SUITE.fullmatch(name) or len(name) > SUITE_MAX:
        raise UserError(f"{where}: suite name {name!r} must be letters, digits, '_' or '-' "
                        f"(at most {SUITE_MAX}; it becomes a folder name)")
    return name


def probe_id(pid: object) -> str | None:
    """Why ``pid`` is not a valid probe id, or None."""
    if not isinstance(pid, str) or not PROBE_ID.fullmatch(pid):
        return f"id {pid!r} must be dotted lower_snake_case (e.g. physics.freefall.red_ball)"
    if len(pid) > PROBE_ID_MAX:
        return f"id of {len(pid)} characters is longer than {PROBE_ID_MAX}"
    return None


def sample_index(k: object, what: str = "sample") -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= SAMPLE_MAX:
        raise UserError(f"{what} {k!r} must be an integer in [0, {SAMPLE_MAX}]")
    return k


def path_component(model: str) -> str:
    """The folder name of a (valid) model: ``:`` becomes ``=``, which no valid name contains."""
    model_name(model)
    return model.replace(":", "=")
