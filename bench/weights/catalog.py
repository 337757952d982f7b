"""The weights ``bench``'s own metrics can use, with their real sources, licences and sizes.

Checksums: torchvision publishes the first 8 hex digits of each file's sha256 in its file name,
and those prefixes are verified.  The other sources publish no checksum we could confirm
offline; for them the sha256 of every file is recorded in ``$BENCH_WEIGHTS_DIR/weights.lock.json``
on the first ``bench weights fetch`` (or ``bench weights verify``) and verified on every later
resolve.  Generators' weights (diffusers model cards) are registered by their own modules.
"""

from __future__ import annotations

from bench.weights.registry import WeightEntry, register

_TOFU = ("No published checksum: the sha256 is recorded in weights.lock.json on the first "
         "fetch and verified after.")

#: config + weights are required; the small processor/tokenizer files (json, merges.txt) are fetched too
_CLIP_FILES = ("config.json", "model.safetensors|pytorch_model.bin", "*.json", "*.txt")

I3D_TORCHSCRIPT = register(WeightEntry(
    name="i3d-styleganv-torchscript",
    kind="file",
    source="https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt?dl=1",
    filename="i3d_torchscript.pt",
    licence="Apache-2.0 (TF-Hub i3d-kinetics-400 weights, converted to TorchScript by the StyleGAN-V authors)",
    size="51 MB",
    used_by=("fvd.i3d", "kvd.i3d"),
    description=("I3D (Inception-v1, Kinetics-400) as a TorchScript detector, converted from the TF-Hub "
                 "model that google-research frechet_video_distance uses; called with rescale=True, "
                 "resize=True, return_features=True on uint8 [B,C,T,H,W] (the StyleGAN-V FVD protocol). "
                 + _TOFU),
))

I3D_STATE_DICT = register(WeightEntry(
    name="i3d-pretrained-400",
    kind="file",
    source="https://onedrive.live.com/download?cid=78EEF3EB6AE7DBCB&resid=78EEF3EB6AE7DBCB%21199&authkey=AApKdFHPXzWLNyI",
    filename="i3d_pretrained_400.pt",
    licence="Apache-2.0 (TF-Hub i3d-kinetics-400 weights, converted by the VideoGPT authors)",
    size="50 MB",
    used_by=("optional: fvd.i3d, kvd.i3d with BENCH_FVD_EXTRACTOR=state_dict",),
    description=("state_dict for a piergiaj-style InceptionI3d(400) converted from TF-Hub "
                 "i3d-kinetics-400 (as used by VideoGPT, TATS and cd-FVD); select it with "
                 "BENCH_FVD_EXTRACTOR=state_dict. Not piergiaj's rgb_imagenet.pt, which is a "
                 "different model. " + _TOFU),
))

CLIP_B32 = register(WeightEntry(
    name="clip-vit-base-patch32",
    kind="hf_repo",
    source="openai/clip-vit-base-patch32",
    revision="3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268",
    licence="MIT (OpenAI CLIP release; see the model card's intended-use section)",
    size="605 MB",
    used_by=("clip.clipsim", "clip.temp"),
    description="CLIP ViT-B/32 (HF transformers format), the common CLIPSIM backbone. " + _TOFU,
    allow_patterns=_CLIP_FILES,
))

CLIP_L14 = register(WeightEntry(
    name="clip-vit-large-patch14",
    kind="hf_repo",
    source="openai/clip-vit-large-patch14",
    licence="MIT (OpenAI CLIP release; see the model card's intended-use section)",
    size="1.7 GB",
    used_by=("optional: clip.clipsim, clip.temp with BENCH_CLIP_MODEL=clip-vit-large-patch14",),
    description=("CLIP ViT-L/14 (torchmetrics CLIPScore's default); select it with "
                 "BENCH_CLIP_MODEL=clip-vit-large-patch14. " + _TOFU),
    allow_patterns=_CLIP_FILES,
))

ALEXNET = register(WeightEntry(
    name="torchvision-alexnet",
    kind="file",
    source="https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
    filename="alexnet-owt-7be5be79.pth",
    sha256={"alexnet-owt-7be5be79.pth": "7be5be79"},
    licence="BSD-3-Clause (torchvision)",
    size="233 MB",
    used_by=("temporal.lpips",),
    description=("torchvision AlexNet ImageNet weights (IMAGENET1K_V1), the backbone of LPIPS(net='alex'); "
                 "the lpips wheel ships only the linear heads. sha256 prefix from torchvision."),
))

RAFT_SMALL = register(WeightEntry(
    name="raft-small",
    kind="file",
    source="https://download.pytorch.org/models/raft_small_C_T_V2-01064c6d.pth",
    filename="raft_small_C_T_V2-01064c6d.pth",
    sha256={"raft_small_C_T_V2-01064c6d.pth": "01064c6d"},
    licence="BSD-3-Clause (torchvision)",
    size="3.8 MB",
    used_by=("optional: the temporal.* flow metrics with BENCH_FLOW=raft_small",),
    description="torchvision raft_small (C_T_V2) optical flow; select with BENCH_FLOW=raft_small. sha256 prefix from torchvision.",
))

RAFT_LARGE = register(WeightEntry(
    name="raft-large",
    kind="file",
    source="https://download.pytorch.org/models/raft_large_C_T_SKHT_V2-ff5fadd5.pth",
    filename="raft_large_C_T_SKHT_V2-ff5fadd5.pth",
    sha256={"raft_large_C_T_SKHT_V2-ff5fadd5.pth": "ff5fadd5"},
    licence="BSD-3-Clause (torchvision)",
    size="20 MB",
    used_by=("optional: the temporal.* flow metrics with BENCH_FLOW=raft_large",),
    description=("torchvision raft_large (C_T_SKHT_V2) optical flow, the closest to the RAFT that "
                 "VBench/EvalCrafter run; select with BENCH_FLOW=raft_large. sha256 prefix from torchvision."),
))

DINOV2_SMALL = register(WeightEntry(
    name="dinov2-small",
    kind="hf_repo",
    source="facebook/dinov2-small",
    licence="Apache-2.0",
    size="88 MB",
    used_by=("optional: learned identity crop embeddings",),
    description="DINOv2 ViT-S/14 (HF transformers format) for learned crop embeddings. " + _TOFU,
    allow_patterns=("config.json", "model.safetensors|pytorch_model.bin", "*.json"),
))
