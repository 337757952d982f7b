"""Named colours shared by the prompts, the oracle renderer and the weight-free detector.

Probes name object colours in plain English ("a red ball"); the oracle world paints them with
these sRGB values, and the detector looks for them in a perceptual colour space (CIE Lab), so a
generated "red" that is not exactly (214, 39, 40) is still found.  Object colours are chosen to
be far apart in Lab (pairwise deltaE >= 20 except the deliberate near pairs used by
distractor probes, e.g. red/orange).  Scene colours (background, occluders, floor) are
greys, which no object uses.
"""

from __future__ import annotations

import numpy as np

#: Colours an object may have (name -> sRGB uint8).
OBJECT_COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (214, 39, 40),
    "green": (44, 160, 44),
    "blue": (31, 87, 220),
    "yellow": (240, 200, 20),
    "orange": (255, 127, 14),
    "purple": (128, 60, 170),
    "cyan": (23, 190, 207),
    "magenta": (220, 40, 190),
    "brown": (140, 86, 50),
    "pink": (250, 150, 180),
}

#: Further colour words a probe may give an object (not used by the 2-D oracle world, whose
#: objects keep the far-apart colours above).  Achromatic ones (``ACHROMATIC``) are found by
#: lightness against what surrounds them, not by hue.
MORE_OBJECT_COLOURS: dict[str, tuple[int, int, int]] = {
    "white": (245, 245, 245),
    "silver": (192, 192, 192),
    "grey": (128, 128, 128),
    "black": (20, 20, 20),
    "navy": (25, 35, 110),
    "gold": (212, 175, 55),
    "cream": (245, 235, 200),
    "beige": (220, 200, 160),
}

#: Every colour word a probe object (or ``colours`` list, or ``background`` hint) may use.
PROBE_COLOURS: dict[str, tuple[int, int, int]] = {**OBJECT_COLOURS, **MORE_OBJECT_COLOURS}

#: Colour words without a hue (matched by lightness).
ACHROMATIC = ("white", "silver", "grey", "black")

#: Colours of the scene (never an object's).
SCENE_COLOURS: dict[str, tuple[int, int, int]] = {
    "white": (245, 245, 245),
    "light grey": (215, 215, 215),
    "grey": (128, 128, 128),
    "dark grey": (70, 70, 70),
    "black": (20, 20, 20),
}

ALL_COLOURS = {**MORE_OBJECT_COLOURS, **SCENE_COLOURS, **OBJECT_COLOURS}


def rgb(name: str) -> tuple[int, int, int]:
    try:
        return ALL_COLOURS[name]
    except KeyError:
        raise KeyError(f"unknown colour {name!r}; known: {sorted(ALL_COLOURS)}") from None


def srgb_to_lab(rgb_u8: np.ndarray) -> np.ndarray:
    """sRGB uint8 (..., 3) -> CIE Lab (D65), float32.  Same formula as skimage.color.rgb2lab."""
    x = np.asarray(rgb_u8, dtype=np.float32) / 255.0
    lin = np.where(x > 0.04045, ((x + 0.055) / 1.055) ** 2.4, x / 12.92)
    m = np.array([[0.412453, 0.357580, 0.180423],
                  [0.212671, 0.715160, 0.072169],
                  [0.019334, 0.119193, 0.950227]], dtype=np.float32)
    xyz = lin @ m.T
    xyz = xyz / np.array([0.95047, 1.0, 1.08883], dtype=np.float32)
    eps = 0.008856
    f = np.where(xyz > eps, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    L = np.where(xyz[..., 1] > eps, 116.0 * f[..., 1] - 16.0, 903.3 * xyz[..., 1])
    a = 500.0 * (f[..., 0] - f[..., 1])
    b = 200.0 * (f[..., 1] - f[..., 2])
    return np.stack([L, a, b], axis=-1).astype(np.float32)


def lab(name: str) -> np.ndarray:
    return srgb_to_lab(np.array(rgb(name), np.uint8))
