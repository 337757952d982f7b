"""Model cards: every card in models/ is valid, the required models exist, broken cards give
one-line errors naming the file and the field, and frame-count rules round as documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.errors import UserError
from bench.generators.diffusion import cards as C

MODELS = Path(__file__).resolve().parents[1] / "models"

REQUIRED_OPEN = {
    "wan2.1-t2v-1.3b": "WanPipeline", "wan2.1-t2v-14b": "WanPipeline", "wan2.2-ti2v-5b": "WanPipeline",
    "cogvideox-2b": "CogVideoXPipeline", "cogvideox-5b": "CogVideoXPipeline",
    "cogvideox1.5-5b": "CogVideoXPipeline", "ltx-video": "LTXPipeline",
    "hunyuanvideo": "HunyuanVideoPipeline", "mochi-1": "MochiPipeline", "allegro": "AllegroPipeline",
    "animatediff-v1-5-2": "AnimateDiffPipeline", "modelscope-t2v": "TextToVideoSDPipeline",
    "zeroscope-v2-576w": "TextToVideoSDPipeline", "skyreels-v2-t2v-14b-540p": "SkyReelsV2Pipeline",
    "wan2.1-i2v-14b-480p": "WanImageToVideoPipeline", "cogvideox-5b-i2v": "CogVideoXImageToVideoPipeline",
    "ltx-video-i2v": "LTXImageToVideoPipeline",
}
REQUIRED_CLOSED = {"sora-2": "api", "veo-3.1": "api", "kling-3.0": "api", "hailuo-2": "api",
                   "seedance-2.0": "api", "runway-gen-4.5": "api", "pika-2.5": "api", "luma-ray-3": "api",
                   "movie-gen": "unreleased"}


def test_every_card_in_models_is_valid():
    cs = C.load_cards(MODELS)
    assert cs.errors == {}
    assert set(cs.cards) == {p.stem for p in MODELS.glob("*.yaml")}


def test_required_models_have_cards():
    cs = C.load_cards(MODELS)
    for cid, pipe in REQUIRED_OPEN.items():
        assert cs.cards[cid].kind == "diffusers" and cs.cards[cid].pipeline == pipe, cid
    for cid, access in REQUIRED_CLOSED.items():
        assert cs.cards[cid].kind == "closed" and cs.cards[cid].access == access, cid


def test_open_cards_are_consistent():
    import diffusers

    exported = set(dir(diffusers))  # the lazy module lists its classes without importing them
    for card in C.load_cards(MODELS).cards.values():
        if card.kind != "diffusers":
            continue
        assert card.pipeline in exported, card.id                      # the class exists in diffusers
        for c in card.components.values():
            assert c["class"] in exported, card.id
        assert card.frame_rule.valid(card.defaults["frames"]), card.id
        assert card.trust_remote_code is False, card.id                # no card needs remote code
        assert (card.input == "image+text") == (card.pipeline in C.IMAGE_PIPELINES), card.id
        if card.revision_pinned:
            assert len(card.revision) == 40, card.id
        else:
            assert card.revision == "main" and card.raw["revision_note"], card.id
    dep = {c.id for c in C.load_cards(MODELS).cards.values() if c.kind == "diffusers" and c.deprecated}
    assert {"modelscope-t2v", "zeroscope-v2-576w"} <= dep            # TextToVideoSDPipeline is deprecated


def test_closed_cards_carry_dated_facts():
    cs = C.load_cards(MODELS)
    sora = cs.cards["sora-2"].raw
    assert "2026-04-26" in sora["availability"] and "2026-09-24" in sora["availability"]
    assert sora["native_audio"] is True
    assert any("SynthID" in s for s in cs.cards["veo-3.1"].raw["provenance_signals"])
    for cid in REQUIRED_CLOSED:
        raw = cs.cards[cid].raw
        assert raw["date_reviewed"] and raw["facts_as_of"] and raw["sources"], cid


# --------------------------------------------------------------------------- broken cards


def _write(tmp_path: Path, name: str, obj) -> Path:
    p = tmp_path / f"{name}.yaml"
    p.write_text(obj if isinstance(obj, str) else yaml.safe_dump(obj, sort_keys=False))
    return p


def _good() -> dict:
    return yaml.safe_load((MODELS / "wan2.1-t2v-1.3b.yaml").read_text())


@pytest.mark.parametrize("mutate, field, words", [
    (lambda c: c.pop("hub_id"), "hub_id", "missing"),
    (lambda c: c.update(revision="abc123"), "revision", "40-hex"),
    (lambda c: c.update(revision_pinned=False, revision="main"), "revision_note", "required"),
    (lambda c: c.update(pipeline="WanPipline"), "pipeline", "not a supported pipeline"),
    (lambda c: c["defaults"].update(frames=80), "defaults", "breaks the card's frame_rule 4k+1"),
    (lambda c: c["defaults"].update(height=481), "defaults", "not a multiple of size_multiple"),
    (lambda c: c.update(dtype={"default": "float8"}), "dtype", "not one of"),
    (lambda c: c.update(frame_rule="4n+1"), "frame_rule", "is not"),
    (lambda c: c.update(colour="red"), "colour", "unknown field"),
    (lambda c: c.update(input="image+text"), "input", "does not fit pipeline"),
    (lambda c: c.update(trust_remote_code="no"), "trust_remote_code", "true or false"),
    (lambda c: c.update(call={"generator": 1}), "call", "set by the adapter"),
])
def test_broken_card_one_line_error(tmp_path, mutate, field, words):
    card = _good()
    mutate(card)
    p = _write(tmp_path, "wan2.1-t2v-1.3b", card)
    with pytest.raises(UserError) as e:
        C.load_card_file(p)
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith(f"{p}: field {field!r}"), msg
    assert words in msg, msg


def test_broken_closed_card(tmp_path):
    card = yaml.safe_load((MODELS / "sora-2.yaml").read_text())
    card["date_reviewed"] = __import__("datetime").date(2026, 11, 21)   # an unquoted YAML date
    p = _write(tmp_path, "sora-2", card)
    with pytest.raises(UserError, match=r"field 'date_reviewed': must be a quoted 'YYYY-MM-DD'"):
        C.load_card_file(p)
    card = yaml.safe_load((MODELS / "sora-2.yaml").read_text())
    card["native_audio"] = "maybe"
    with pytest.raises(UserError, match=r"field 'native_audio'"):
        C.load_card_file(_write(tmp_path, "sora-2", card))


def test_card_id_must_match_file_name_and_yaml_must_parse(tmp_path):
    with pytest.raises(UserError, match=r"field 'id': 'wan2.1-t2v-1.3b' does not match the file name"):
        C.load_card_file(_write(tmp_path, "other-name", _good()))
    p = _write(tmp_path, "bad", "id: bad\nkind: [unclosed\n")
    with pytest.raises(UserError, match=r"bad.yaml:\d+: invalid YAML"):
        C.load_card_file(p)


def test_a_broken_card_is_reported_not_fatal(tmp_path):
    _write(tmp_path, "wan2.1-t2v-1.3b", _good())
    broken = _good()
    broken["id"] = "broken"
    broken.pop("licence")
    _write(tmp_path, "broken", broken)
    cs = C.load_cards(tmp_path)
    assert set(cs.cards) == {"wan2.1-t2v-1.3b"}
    assert cs.errors["broken"].endswith("field 'licence': missing")
    with pytest.raises(UserError, match="broken.yaml: field 'licence': missing"):
        cs.get("broken")


# --------------------------------------------------------------------------- frame rules


@pytest.mark.parametrize("rule, n, want", [
    ("4k+1", 81, 81), ("4k+1", 24, 25), ("4k+1", 23, 25),     # 23 -> k=5.5 -> ties round up: 25
    ("4k+1", 22, 21), ("4k+1", 1, 5), ("8k+1", 24, 25), ("8k+1", 20, 17),
    ("6k+1", 160, 163), ("16k+1", 100, 97), ("any", 7, 7), ("4k", 90, 92),
])
def test_frame_rule_nearest(rule, n, want):
    r = C.FrameRule.parse(rule)
    assert r.nearest(n) == want
    assert r.valid(want)


def test_frame_rule_max_frames():
    r = C.FrameRule.parse("8k+1", max_frames=49)
    assert r.valid(49) and not r.valid(57) and r.nearest(100) == 49
    assert not C.FrameRule.parse("any").valid(1)        # a video has at least 2 frames


# --------------------------------------------------------------------------- registry wiring


def test_cards_resolve_and_say_why_they_cannot_run_here():
    from bench.generators.base import list_models, resolve

    g = resolve("wan2.1-t2v-1.3b")
    assert g.info.kind == "diffusers" and g.info.revision == "0fad780a534b6463e45facd96134c9f345acfa5b"
    ok, why = g.available()
    assert not ok and "bench weights fetch wan2.1-t2v-1.3b" in why and "\n" not in why
    closed = resolve("sora-2")
    ok, why = closed.available()
    assert not ok and "bench import --model sora-2" in why and closed.info.kind == "import"
    names = set(list_models())
    assert set(REQUIRED_OPEN) | set(REQUIRED_CLOSED) <= names
    assert {"tiny-wan", "tiny-cogvideox", "tiny-ltx", "tiny-animatediff", "tiny-t2vsd"} <= names


def test_each_open_card_has_a_weights_entry():
    from bench.weights import registry as wreg

    for card in C.load_cards(MODELS).cards.values():
        if card.kind != "diffusers":
            continue
        e = wreg.get(card.raw.get("weights") or card.id)
        assert e.kind == "hf_repo" and e.source == card.hub_id, card.id
        assert e.revision == (card.revision if card.revision_pinned else ""), card.id
        assert card.id in e.used_by
    ad = wreg.get("animatediff-sd15-base.motion_adapter")
    assert ad.source == "guoyww/animatediff-motion-adapter-v1-5-2"
    assert set(wreg.get("ltx-video").used_by) == {"ltx-video", "ltx-video-i2v"}
