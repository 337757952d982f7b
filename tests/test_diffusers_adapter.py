"""The diffusers adapter on tiny random pipelines of the real classes, loaded from saved folders.

Every tiny pipeline is built with seeded random weights, saved with ``save_pretrained``, and
loaded back with ``from_pretrained`` by the same adapter code a real card uses; everything runs
offline on the CPU (2 denoising steps, 16-32 px frames).  Random weights check plumbing,
determinism and argument mapping only -- never a model's quality.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import yaml

from bench.errors import UserError
from bench.generators.base import resolve
from bench.generators.diffusion import adapter as A
from bench.generators.diffusion import cards as C
from tests.tinypipes import PROBE, PROBE_SCENE, TINY_CLASSES, StubOracle, tiny_dir  # noqa: F401


@pytest.fixture(scope="module")
def gens(tiny_dir):  # noqa: F811
    out = {n: resolve(n) for n in TINY_CLASSES}
    yield out
    for g in out.values():
        g.close()


@pytest.mark.parametrize("name", sorted(TINY_CLASSES))
def test_tiny_pipeline_is_deterministic_per_seed(gens, name):
    g = gens[name]
    assert g.available() == (True, "")
    a = g.generate(PROBE, 11, {})
    b = g.generate(PROBE, 11, {})
    c = g.generate(PROBE, 12, {})
    d = g.default_settings()
    assert a.frames.dtype == np.uint8 and a.frames.ndim == 4 and a.frames.shape[-1] == 3
    assert a.shape == (d["frames"], d["height"], d["width"], 3)
    assert a.fps == d["fps"]
    assert np.array_equal(a.frames, b.frames)           # same seed -> identical frames
    assert not np.array_equal(a.frames, c.frames)       # another seed -> other frames
    prov = a.provenance
    assert prov["random_weights"] is True and prov["source"] == "generated"
    assert "random weights" in prov["warning"]
    p = prov["params"]
    assert p["pipeline"] == TINY_CLASSES[name] and p["seed"] == 11 and p["random_weights"] is True
    assert p["call"]["num_inference_steps"] == 2 and p["call"]["output_type"] == "np"
    assert p["call"]["generator"] == "torch.Generator('cpu').manual_seed(11)"
    assert p["versions"]["diffusers"] and p["device"] == "cpu" and p["dtype"] == {"default": "float32"}
    assert g.info.kind == "tiny"


def test_tiny_folder_holds_the_real_classes(gens):
    import json

    g = gens["tiny-wan"]
    g.generate(PROBE, 0, {})
    folder = g.card.local_path
    index = json.loads((folder / "model_index.json").read_text())
    assert index["_class_name"] == "WanPipeline" and index["transformer"][1] == "WanTransformer3DModel"
    assert json.loads((folder / "bench_tiny.json").read_text())["random_weights"] is True


def test_frame_rule_rounds_and_records(gens):
    g = gens["tiny-wan"]                                  # rule 4k+1, sizes multiple of 16
    v = g.generate(PROBE, 3, {"frames": 7, "height": 40, "width": 30})
    assert v.shape == (9, 48, 32, 3)                     # 7 -> 9 (k=1.5 rounds up), 40 -> 48, 30 -> 32
    p = v.provenance["params"]
    assert p["adjustments"] == ["frames 7 -> 9 (rule 4k+1)", "height 40 -> 48 (multiple of 16)",
                                "width 30 -> 32 (multiple of 16)"]
    assert p["requested"] == {"frames": 7, "height": 40, "width": 30}
    assert p["call"]["num_frames"] == 9


def test_frame_rule_error_policy(gens):
    with pytest.raises(UserError, match=r"model tiny-wan: 7 frames breaks the frame rule 4k\+1 \(nearest valid: 9"):
        gens["tiny-wan"].generate(PROBE, 3, {"frames": 7, "frame_policy": "error"})
    with pytest.raises(UserError, match="frame_policy"):
        gens["tiny-wan"].generate(PROBE, 3, {"frame_policy": "nearest"})


def test_argument_mapping_by_signature(gens):
    ltx = gens["tiny-ltx"].generate(PROBE, 1, {"fps": 12, "size": 32, "steps": 1, "guidance": 1.5,
                                               "negative_prompt": "blurry", "colour_mode": "x"}).provenance["params"]
    assert ltx["call"]["frame_rate"] == 12.0 and ltx["argument_map"]["fps"] == "frame_rate"
    assert ltx["call"]["num_inference_steps"] == 1 and ltx["call"]["guidance_scale"] == 1.5
    assert ltx["call"]["negative_prompt"] == "blurry"
    assert ltx["ignored_settings"] == ["colour_mode"]     # other generators' settings are recorded, not used
    cog = gens["tiny-cogvideox"]
    p = cog.generate(PROBE, 1, {}).provenance["params"]
    # CogVideoX pads the prompt to exactly the transformer's max_text_seq_length
    assert p["call"]["max_sequence_length"] == cog._pipe.transformer.config.max_text_seq_length == 16
    assert "frame_rate" not in p["call"] and p["argument_map"]["fps"].startswith("(output frame rate only")
    ad = gens["tiny-animatediff"].generate(PROBE, 1, {"frames": 3}).provenance["params"]
    assert ad["call"]["num_frames"] == 3 and ad["adjustments"] == []      # rule 'any'


def test_deprecated_pipeline_is_said_so(gens):
    assert "deprecated" in gens["tiny-t2vsd"].info.description


def test_offload_falls_back_on_cpu_and_is_recorded(gens):
    p = gens["tiny-wan"].generate(PROBE, 1, {"cpu_offload": "model", "vae_slicing": False}).provenance["params"]
    assert p["cpu_offload"] == "none" and "cpu_offload model -> none (device cpu)" in p["adjustments"]


# --------------------------------------------------------------------------- a real card's path


def _card_file(tmp_path, folder_name: str, extra: dict | None = None):
    card = yaml.safe_load((C.MODELS_DIR / "wan2.1-t2v-1.3b.yaml").read_text())
    card.update(id=folder_name, hub_id="bench-test/tiny-wan", scheduler=None,
                defaults={"height": 32, "width": 32, "frames": 5, "fps": 8, "steps": 2, "guidance": 2.0},
                call={"max_sequence_length": 32})
    card.pop("scheduler")
    card.update(extra or {})
    p = tmp_path / f"{folder_name}.yaml"
    p.write_text(yaml.safe_dump(card, sort_keys=False))
    return C.load_card_file(p)


def test_a_real_card_loads_through_the_weights_registry(tmp_path, monkeypatch, gens):
    """A card parsed from YAML, its folder in $BENCH_WEIGHTS_DIR/<id>/, resolved by the registry."""
    from bench.weights import registry as wreg

    gens["tiny-wan"].generate(PROBE, 0, {})
    wdir = tmp_path / "weights"
    shutil.copytree(gens["tiny-wan"].card.local_path, wdir / "test-wan-card")
    monkeypatch.setenv("BENCH_WEIGHTS_DIR", str(wdir))
    card = _card_file(tmp_path, "test-wan-card")
    wreg.register(wreg.WeightEntry(name="test-wan-card", kind="hf_repo", source="bench-test/tiny-wan",
                                   revision=card.revision, used_by=("test-wan-card",)))
    try:
        g = A.DiffusersGenerator(card)
        ok, why = g.available()
        assert not ok and "needs a CUDA GPU" in why and "weights" not in why   # weights found, GPU missing
        monkeypatch.setenv(A.ALLOW_CPU_ENV, "1")
        assert g.available() == (True, "")
        v = g.generate(PROBE, 5, {})
        ref = gens["tiny-wan"].generate(PROBE, 5, {})
        assert np.array_equal(v.frames, ref.frames)      # same weights, same seed, same frames
        assert v.provenance["random_weights"] is False   # the card does not know: the folder came from the registry
        assert v.provenance["params"]["hub_id"] == "bench-test/tiny-wan"
        assert v.provenance["revision"] == card.revision
        assert g.info.kind == "diffusers"
    finally:
        wreg._unregister("test-wan-card")


def test_animatediff_card_combines_base_and_motion_adapter(tmp_path, monkeypatch):
    """The real AnimateDiff card's shape: an SD 1.5 base folder + a motion-adapter component, each
    its own weights entry (registered by register_weights from the card), the card's scheduler swap
    and its allow_patterns checked against a folder diffusers saved."""
    from bench.generators.diffusion import register_weights
    from bench.weights import registry as wreg
    from tests.tinypipes import build_sd15_base_and_adapter

    wdir = tmp_path / "weights"
    build_sd15_base_and_adapter(wdir / "test-ad-base", wdir / "test-ad-base.motion_adapter")
    monkeypatch.setenv("BENCH_WEIGHTS_DIR", str(wdir))
    monkeypatch.setenv(A.ALLOW_CPU_ENV, "1")
    raw = yaml.safe_load((C.MODELS_DIR / "animatediff-v1-5-2.yaml").read_text())
    raw.update(id="test-animatediff", weights="test-ad-base")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "test-animatediff.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    cs = C.load_cards(tmp_path / "models")
    added = register_weights(cs)
    try:
        assert added == ["test-ad-base", "test-ad-base.motion_adapter"]
        assert wreg.get("test-ad-base.motion_adapter").revision == raw["components"]["motion_adapter"]["revision"]
        g = A.DiffusersGenerator(cs.cards["test-animatediff"])
        assert g.available() == (True, "")
        v = g.generate(PROBE, 2, {"size": 16, "frames": 4, "steps": 2})
        w = g.generate(PROBE, 2, {"size": 16, "frames": 4, "steps": 2})
        assert v.shape == (4, 16, 16, 3) and np.array_equal(v.frames, w.frames)
        p = v.provenance["params"]
        assert p["scheduler"]["class"] == "DDIMScheduler" and p["scheduler"]["beta_schedule"] == "linear"
        assert p["components"]["motion_adapter"]["hub_id"] == "guoyww/animatediff-motion-adapter-v1-5-2"
        assert type(g._pipe.unet).__name__ == "UNetMotionModel"     # the adapter was merged into the UNet
        g.close()
    finally:
        for n in added:
            wreg._unregister(n)


def test_missing_weights_is_a_one_line_error(tmp_path, monkeypatch):
    from bench.weights import registry as wreg

    monkeypatch.setenv(A.ALLOW_CPU_ENV, "1")
    card = _card_file(tmp_path, "test-missing-card")
    wreg.register(wreg.WeightEntry(name="test-missing-card", kind="hf_repo", source="bench-test/none",
                                   revision=card.revision))
    try:
        g = A.DiffusersGenerator(card)
        ok, why = g.available()
        assert not ok and "bench weights fetch test-missing-card" in why
        with pytest.raises(UserError) as e:
            g.generate(PROBE, 0, {})
        assert "\n" not in str(e.value) and "test-missing-card" in str(e.value)
    finally:
        wreg._unregister("test-missing-card")


# --------------------------------------------------------------------------- image to video


def _scene_probe():
    """A probe the real oracle world renders, or (while it cannot) the stub's probe."""
    try:
        from tests.test_world_probes import drop

        p = drop()
        resolve("oracle").generate(p, 0, {"height": 32, "width": 32, "frames": 2})
        return p, False
    except Exception:
        return PROBE_SCENE, True


def test_image_to_video_takes_the_oracle_first_frame(tiny_dir, monkeypatch):  # noqa: F811
    import bench.generators.base as base

    probe, stub = _scene_probe()
    if stub:  # the oracle world cannot render here (yet): stand a stub in for it
        real = base.resolve
        monkeypatch.setattr(base, "resolve", lambda n: StubOracle() if n == "oracle" else real(n))
    g = resolve("tiny-ltx-i2v")
    ok, why = g.supports(PROBE)                            # no scene: no first frame
    assert not ok and "needs a first frame" in why
    assert g.supports(probe) == (True, "")
    a = g.generate(probe, 4, {})
    b = g.generate(probe, 4, {})
    assert np.array_equal(a.frames, b.frames)
    ff = a.provenance["params"]["call"]["image"]
    assert ff["source"] == "oracle" and ff["size"] == [32, 32] and len(ff["sha256"]) == 64
    oracle_frame = base.resolve("oracle").generate(probe, 4, {"height": 32, "width": 32, "frames": 2}).frames[0]
    import hashlib

    assert ff["sha256"] == hashlib.sha256(oracle_frame.tobytes()).hexdigest()   # exactly the oracle's frame 0
    assert a.provenance["params"]["pipeline"] == "LTXImageToVideoPipeline"
    g.close()


# --------------------------------------------------------------------------- output normalisation


def test_outputs_normalise_to_uint8_thwc():
    import torch
    from PIL import Image

    x = np.random.default_rng(0).random((1, 3, 4, 5, 3)).astype(np.float32)      # B T H W C in [0, 1]
    want = np.clip(np.rint(x[0] * 255), 0, 255).astype(np.uint8)
    assert np.array_equal(A.to_uint8_frames(x, "t"), want)
    tchw = torch.from_numpy(x[0]).permute(0, 3, 1, 2)                          # T C H W tensor
    assert np.array_equal(A.to_uint8_frames(tchw, "t"), want)
    pil = [[Image.fromarray(f) for f in want]]                                   # [[PIL]]
    assert np.array_equal(A.to_uint8_frames(pil, "t"), want)
    assert np.array_equal(A.to_uint8_frames(want, "t"), want)                    # uint8 passes through
    bad = x.copy()
    bad[0, 1, 2, 3, 0] = np.nan
    with pytest.raises(UserError, match=r"t: 1 non-finite pixel values"):
        A.to_uint8_frames(bad, "t")
    with pytest.raises(UserError, match="unexpected output shape"):
        A.to_uint8_frames(np.zeros((4, 5)), "t")


def test_settings_are_validated():
    card = C.load_cards().cards["cogvideox-2b"]
    with pytest.raises(UserError, match="setting 'frames' must be a positive integer"):
        A.resolve_settings(card, {"frames": 0}, cuda=False)
    r = A.resolve_settings(card, {"frames": 64}, cuda=True)
    assert r.frames == 49 and r.adjustments == ["frames 64 -> 49 (rule 8k+1, at most 49)"]
    assert r.dtype == {"default": "float16"} and r.cpu_offload == "model" and r.vae_tiling
    cpu = A.resolve_settings(card, {}, cuda=False)
    assert cpu.dtype == {"default": "float32"} and cpu.device == "cpu"


def test_each_rank_uses_its_own_gpu(monkeypatch):
    card = C.load_cards().cards["cogvideox-2b"]
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    monkeypatch.delenv("SLURM_LOCALID", raising=False)
    assert A.resolve_settings(card, {}, cuda=True).device == "cuda"
    monkeypatch.setenv("LOCAL_RANK", "3")                 # torchrun / accelerate
    assert A.resolve_settings(card, {}, cuda=True).device == "cuda:3"
    assert A.resolve_settings(card, {"device": "cuda:0"}, cuda=True).device == "cuda:0"


# --------------------------------------------------------------------------- markers


@pytest.mark.gpu
def test_tiny_on_cuda_with_card_dtypes(tiny_dir):  # noqa: F811
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    g = resolve("tiny-wan")
    g._ensure()
    g.card.dtype = {"default": "bfloat16", "vae": "float32"}
    v = g.generate(PROBE, 1, {"device": "cuda"})
    w = g.generate(PROBE, 1, {"device": "cuda"})
    assert v.provenance["params"]["dtype"] == {"default": "bfloat16", "vae": "float32"}
    assert np.array_equal(v.frames, w.frames)
    g.close()


@pytest.mark.weights
@pytest.mark.gpu
def test_real_wan_small_generates():
    g = resolve("wan2.1-t2v-1.3b")
    ok, why = g.available()
    if not ok:
        pytest.skip(why)
    v = g.generate(PROBE, 0, {"frames": 17, "steps": 10})
    assert v.shape[0] == 17 and v.provenance["random_weights"] is False
