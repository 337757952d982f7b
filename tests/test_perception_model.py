"""The perception model's parts on small drawings: colour words (achromatic, navy, relative to
the frame), multi-part objects, the background model, binding by position words and motion,
and the probe vocabulary.  Drawings are 128 x 128 (``test_probe_synth.draw``), cases with
realistic rendering are in ``test_realism_cases.py``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.metrics.base import METRICS
from bench.metrics.probes.analysis import analyse, clear_cache
from bench.metrics.probes.colour import classify
from bench.metrics.probes.detect import ColourDetector, ObjectSpec
from bench.suites.palette import PROBE_COLOURS, srgb_to_lab
from bench.suites.schema import validate_probe
from tests.test_probe_synth import draw, linear, obj, probe, sample, video

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def _lab(rgb) -> np.ndarray:
    return srgb_to_lab(np.array(rgb, np.uint8))


# --------------------------------------------------------------------------- vocabulary


def test_new_colour_words_shapes_and_hints_validate():
    p = probe([obj("white ball", "white"), obj("navy box", "navy", "box"),
               {"name": "yellow ball", "colour": "yellow", "colours": ["yellow", "black"], "shape": "other",
                "size": 0.1, "count": 2}],
              {}, ["probe.spurious"])
    p["background"] = ["beige", "blue"]
    assert validate_probe(p) == []
    for shape in ("cylinder", "cone", "pyramid", "cup", "torus", "other"):
        assert validate_probe(probe([obj("red thing", "red", shape)], {}, [])) == []


@pytest.mark.parametrize("bad, what", [
    ({"colour": "mauve"}, "colour"), ({"colours": ["yellow", "mauve"]}, "colours"),
    ({"count": 0}, "count"), ({"shape": "blob"}, "shape")])
def test_bad_vocabulary_is_named(bad, what):
    o = {**obj("yellow ball", "yellow"), **bad}
    errs = validate_probe(probe([o], {}, []))
    assert any(what in e for e in errs), errs


def test_bad_background_hint_is_rejected():
    p = probe([obj("red ball", "red")], {}, [])
    p["background"] = ["wood"]
    assert any("background" in e for e in validate_probe(p))


def test_every_shipped_suite_still_validates():
    for path in sorted((ROOT / "prompts").glob("*.jsonl")):
        for i, line in enumerate(path.read_text().splitlines()):
            if line.strip():
                assert validate_probe(json.loads(line), path.stem) == [], f"{path.name}:{i + 1}"


# --------------------------------------------------------------------------- colour words


def test_achromatic_words_take_lightness_not_hue():
    labs = np.stack([_lab(c) for c in [(245, 245, 245), (180, 180, 180), (25, 25, 25), (214, 39, 40)]])
    idx = classify(labs, ("white", "black", "red"))
    assert idx.tolist() == [0, -1, 1, 2]       # light grey is neither white nor black


def test_navy_is_not_blue_and_shaded_navy_stays_navy():
    labs = np.stack([_lab(c) for c in [(25, 35, 110), (14, 20, 62), (31, 87, 220)]])
    assert classify(labs, ("navy", "blue")).tolist() == [0, 0, 1]


def test_background_hint_words_are_scene():
    labs = np.stack([_lab(c) for c in [(140, 86, 50), (220, 200, 160)]])
    assert classify(labs, ("brown",), background=("beige",)).tolist() == [0, -1]


def test_every_probe_colour_names_its_own_palette_value():
    words = tuple(PROBE_COLOURS)
    labs = np.stack([_lab(PROBE_COLOURS[w]) for w in words])
    assert classify(labs, words).tolist() == list(range(len(words)))


# --------------------------------------------------------------------------- parts and background


def _striped(stripe: tuple[int, int, int], rows: tuple[int, int] = (48, 80)) -> np.ndarray:
    objs = [obj("yellow ball", "yellow", "disc", 0.2)]
    frames = draw(6, {"yellow ball": linear(6, (40, 64), (4, 0))}, objs)
    for t in range(6):
        x = int(round(40 + 4 * t))
        frames[t, rows[0]:rows[1], x - 2:x + 2] = stripe      # a band across the ball cuts it in two
    return frames


@pytest.mark.parametrize("stripe", [(20, 20, 20), (215, 215, 215)])
def test_a_ball_cut_by_a_band_is_one_object(stripe):
    frames = _striped(stripe)
    res = ColourDetector().detect(frames, ObjectSpec.from_probe({"objects": [obj("yellow ball", "yellow", "disc", 0.2)]}))
    for dets in res.frames:
        mine = [d for d in dets if d.cls == "yellow"]
        assert len(mine) == 1 and mine[0].width > 0.85 * 0.2 * 128


def test_a_large_static_region_of_the_word_is_background_not_an_object():
    objs = [obj("brown box", "brown", "box", 0.12)]
    frames = draw(8, {"brown box": linear(8, (40, 70), (3, 0))}, objs)
    frames[:, 90:, :] = (190, 140, 100)              # a wide light-wood table top, a brown-ish hue
    p = probe(objs, {"rigid": ["brown box"], "count": {"colour": "brown", "n": 1}},
              ["probe.spurious", "probe.count", "probe.rigidity"])
    for check in p["checks"]:
        out = METRICS.get(check)().compute(video(frames), sample(p))
        assert out.verdict == "pass", (check, out.reason)


def test_words_are_named_relative_to_the_frame():
    """A red ball on a floor of reddish-brown tiles: the tiles are inside red's radius, yet the ball
    is far redder; the word keeps the colours nearer the ball."""
    objs = [obj("red ball", "red", "disc", 0.12)]
    frames = draw(8, {"red ball": linear(8, (30, 50), (5, 0))}, objs)
    floor = np.zeros((38, 128, 3), np.uint8)
    floor[:] = (185, 75, 60)
    floor[:, ::16] = (120, 100, 90)                  # grout lines cut the floor into tiles
    floor[::10] = (120, 100, 90)
    frames[:, 90:] = floor
    res = ColourDetector().detect(frames, ObjectSpec.from_probe({"objects": objs}))
    for dets in res.frames:
        reds = [d for d in dets if d.cls == "red"]
        assert len(reds) == 1 and reds[0].cy < 70


# --------------------------------------------------------------------------- binding


def test_lookalikes_are_named_by_position_words_and_motion():
    objs = [obj("blue ball left", "blue"), obj("blue ball right", "blue")]
    paths = {"blue ball left": linear(16, (30, 100), (3, 0)), "blue ball right": linear(16, (100, 100), (0, 0))}
    frames = draw(16, paths, objs, floor=107)
    p = probe(objs, {"decelerate": "blue ball left", "at_rest": ["blue ball right"]}, ["probe.support"])
    a = analyse(video(frames), p)
    assert a.objects["blue ball left"].xy[0, 0] < 50 and a.objects["blue ball right"].xy[0, 0] > 90


# --------------------------------------------------------------------------- verdict semantics


def test_an_object_that_enters_after_frame_0_is_counted_when_it_is_there():
    objs = [obj("magenta ball", "magenta")]
    vis = np.arange(16) >= 2
    frames = draw(16, {"magenta ball": linear(16, (30, 50), (3, 0))}, objs, visible={"magenta ball": vis})
    p = probe(objs, {"count": {"colour": "magenta", "n": 1}}, ["probe.count"])
    assert METRICS.get("probe.count")().compute(video(frames), sample(p)).verdict == "pass"


def test_a_slide_that_never_happens_fails():
    objs = [obj("red box", "red", "box")]
    frames = draw(16, {"red box": linear(16, (60, 95), (0, 0))}, objs, floor=101)
    p = probe(objs, {"decelerate": "red box"}, ["probe.friction"])
    out = METRICS.get("probe.friction")().compute(video(frames), sample(p))
    assert out.verdict == "fail" and "never moves" in out.reason


def test_leaving_the_frame_as_the_prompt_says_keeps_the_count():
    objs = [obj("green ball", "green"), obj("green ball two", "green")]
    paths = {"green ball": linear(24, (40, 60), (8, 0)), "green ball two": linear(24, (30, 100), (0, 0))}
    frames = draw(24, paths, objs)
    p = probe(objs, {"count": {"colour": "green", "n": 2}, "leaves_frame": ["green ball"]}, ["probe.count"])
    out = METRICS.get("probe.count")().compute(video(frames), sample(p))
    assert out.verdict == "pass" and "left the frame" in out.reason
    p2 = probe(objs, {"count": {"colour": "green", "n": 2}}, ["probe.count"])
    clear_cache()
    assert METRICS.get("probe.count")().compute(video(frames), sample(p2)).verdict == "fail"



def test_a_multi_colour_object_takes_all_its_colours():
    frames = _striped((20, 20, 20), rows=(53, 75))    # the band inside the ball only
    spec = {"name": "yellow ball", "colour": "yellow", "colours": ["yellow", "black"], "shape": "disc",
            "size": 0.2}
    res = ColourDetector().detect(frames, ObjectSpec.from_probe({"objects": [spec]}))
    assert res.classes == ["yellow", "foreign"]
    for t, dets in enumerate(res.frames):
        (d,) = [d for d in dets if d.cls == "yellow"]
        assert abs(d.cx - (40 + 4 * t)) < 1.5 and d.circularity > 0.85   # the stripe is part of it


def test_a_per_object_count_is_what_probe_count_counts():
    objs = [{**obj("red ball", "red"), "count": 3}]
    paths = {"red ball": linear(12, (30, 60), (0, 0))}
    frames = draw(12, paths, objs)
    for x in (64, 98):
        frames[:, 54:67, x - 6:x + 7] = frames[:, 54:67, 24:37]   # two more red balls, same look
    p = probe(objs, {}, ["probe.count"])
    assert validate_probe(p) == []
    m = METRICS.get("probe.count")()
    assert m.applies(sample(p))
    out = m.compute(video(frames), sample(p))
    assert out.verdict == "pass" and "3 red objects" in out.reason, out.reason


def test_a_word_that_finds_nothing_takes_the_nearest_hue_in_the_frame():
    """A box rendered so dark a blue (L 18) that palette blue's radius misses it is still the
    'blue box': nothing else in the frame has that hue."""
    objs = [obj("blue box", "blue", "box", 0.15)]
    frames = draw(8, {"blue box": linear(8, (40, 60), (3, 0))}, objs)
    frames[(frames == (31, 87, 220)).all(axis=-1)] = (28, 40, 72)    # the box, much darker
    labs = srgb_to_lab(np.array([[28, 40, 72]], np.uint8))
    assert classify(labs, ("blue",)).tolist() == [-1]                 # absolute test: not blue
    res = ColourDetector().detect(frames, ObjectSpec.from_probe({"objects": objs}))
    for t, dets in enumerate(res.frames):
        (d,) = [d for d in dets if d.cls == "blue"]
        assert abs(d.cx - (40 + 3 * t)) < 1.5
