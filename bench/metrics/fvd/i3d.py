"""Inception-v1 I3D (Carreira & Zisserman 2017) laid out so that its parameter names load the
``i3d_pretrained_400.pt`` state_dict (VideoGPT / TATS / cd-FVD; converted from TF-Hub
``i3d-kinetics-400``), i.e. the piergiaj ``pytorch-i3d`` module layout:

``Conv3d_1a_7x7.conv3d.weight``, ``Conv3d_1a_7x7.bn.{weight,bias,running_mean,running_var}``,
``Mixed_3b.b0.conv3d.weight`` … ``Mixed_5c.b3b.bn.*``, ``logits.conv3d.{weight,bias}``.

Written from the architecture (TF "SAME" padding computed from the input size; 400 Kinetics
classes; 2×7×7 average pool; logits averaged over the remaining time steps), so it is
TorchScript-scriptable.  ``forward`` returns the **400-d logits averaged over time** — the
features FVD uses (not the 1024-d pool).  BatchNorm eps is 1e-5, as in the VideoGPT/TATS module
the state_dict was published for (piergiaj's original uses 1e-3); it is a constructor argument.

Input: float ``[B, 3, T, 224, 224]`` in [-1, 1].  T ≥ 9: the temporal stride is 8 and the final
average pool spans 2 steps, so 8 frames or fewer leave nothing to pool.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

#: the smallest clip the network accepts (see the module docstring)
MIN_FRAMES = 9


def _same_pad(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF 'SAME' padding (front, back) for one dimension."""
    if size % stride == 0:
        pad = max(kernel - stride, 0)
    else:
        pad = max(kernel - (size % stride), 0)
    return pad // 2, pad - pad // 2


class Unit3D(nn.Module):
    """Conv3d (no bias unless asked) + optional BatchNorm + optional ReLU, with SAME padding."""

    def __init__(self, in_channels: int, out_channels: int, kernel: tuple[int, int, int] = (1, 1, 1),
                 stride: tuple[int, int, int] = (1, 1, 1), batch_norm: bool = True, relu: bool = True,
                 bias: bool = False, bn_eps: float = 1e-5):
        super().__init__()
        self.kernel = kernel
        self.stride = stride
        self.use_bn = batch_norm
        self.use_relu = relu
        self.conv3d = nn.Conv3d(in_channels, out_channels, kernel_size=kernel, stride=stride, padding=0, bias=bias)
        # the logits layer has no BatchNorm: an Identity keeps the state_dict free of stray keys
        if batch_norm:
            self.bn = nn.BatchNorm3d(out_channels, eps=bn_eps, momentum=0.001)
        else:
            self.bn = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, h, w = x.shape[2], x.shape[3], x.shape[4]
        pt = _same_pad(t, self.kernel[0], self.stride[0])
        ph = _same_pad(h, self.kernel[1], self.stride[1])
        pw = _same_pad(w, self.kernel[2], self.stride[2])
        x = F.pad(x, [pw[0], pw[1], ph[0], ph[1], pt[0], pt[1]])
        x = self.bn(self.conv3d(x))
        if self.use_relu:
            x = F.relu(x)
        return x


class MaxPool3dSame(nn.Module):
    """Max pooling with TF 'SAME' zero padding (as the TF original pads)."""

    def __init__(self, kernel: tuple[int, int, int], stride: tuple[int, int, int]):
        super().__init__()
        self.kernel = kernel
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, h, w = x.shape[2], x.shape[3], x.shape[4]
        pt = _same_pad(t, self.kernel[0], self.stride[0])
        ph = _same_pad(h, self.kernel[1], self.stride[1])
        pw = _same_pad(w, self.kernel[2], self.stride[2])
        x = F.pad(x, [pw[0], pw[1], ph[0], ph[1], pt[0], pt[1]])
        return F.max_pool3d(x, self.kernel, self.stride)


class InceptionModule(nn.Module):
    """Four branches: 1×1; 1×1→3×3; 1×1→3×3; 3×3 max-pool→1×1; concatenated on channels."""

    def __init__(self, in_channels: int, out: tuple[int, int, int, int, int, int], bn_eps: float = 1e-5):
        super().__init__()
        self.b0 = Unit3D(in_channels, out[0], bn_eps=bn_eps)
        self.b1a = Unit3D(in_channels, out[1], bn_eps=bn_eps)
        self.b1b = Unit3D(out[1], out[2], kernel=(3, 3, 3), bn_eps=bn_eps)
        self.b2a = Unit3D(in_channels, out[3], bn_eps=bn_eps)
        self.b2b = Unit3D(out[3], out[4], kernel=(3, 3, 3), bn_eps=bn_eps)
        self.b3a = MaxPool3dSame((3, 3, 3), (1, 1, 1))
        self.b3b = Unit3D(in_channels, out[5], bn_eps=bn_eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))], dim=1)


class InceptionI3d(nn.Module):
    """I3D with 400 Kinetics logits; ``forward`` -> ``[B, num_classes]`` logits averaged over time."""

    def __init__(self, num_classes: int = 400, in_channels: int = 3, bn_eps: float = 1e-5):
        super().__init__()
        e = bn_eps
        self.Conv3d_1a_7x7 = Unit3D(in_channels, 64, kernel=(7, 7, 7), stride=(2, 2, 2), bn_eps=e)
        self.MaxPool3d_2a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        self.Conv3d_2b_1x1 = Unit3D(64, 64, bn_eps=e)
        self.Conv3d_2c_3x3 = Unit3D(64, 192, kernel=(3, 3, 3), bn_eps=e)
        self.MaxPool3d_3a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        self.Mixed_3b = InceptionModule(192, (64, 96, 128, 16, 32, 32), e)
        self.Mixed_3c = InceptionModule(256, (128, 128, 192, 32, 96, 64), e)
        self.MaxPool3d_4a_3x3 = MaxPool3dSame((3, 3, 3), (2, 2, 2))
        self.Mixed_4b = InceptionModule(480, (192, 96, 208, 16, 48, 64), e)
        self.Mixed_4c = InceptionModule(512, (160, 112, 224, 24, 64, 64), e)
        self.Mixed_4d = InceptionModule(512, (128, 128, 256, 24, 64, 64), e)
        self.Mixed_4e = InceptionModule(512, (112, 144, 288, 32, 64, 64), e)
        self.Mixed_4f = InceptionModule(528, (256, 160, 320, 32, 128, 128), e)
        self.MaxPool3d_5a_2x2 = MaxPool3dSame((2, 2, 2), (2, 2, 2))
        self.Mixed_5b = InceptionModule(832, (256, 160, 320, 32, 128, 128), e)
        self.Mixed_5c = InceptionModule(832, (384, 192, 384, 48, 128, 128), e)
        self.logits = Unit3D(1024, num_classes, batch_norm=False, relu=False, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.MaxPool3d_2a_3x3(self.Conv3d_1a_7x7(x))
        x = self.MaxPool3d_3a_3x3(self.Conv3d_2c_3x3(self.Conv3d_2b_1x1(x)))
        x = self.MaxPool3d_4a_3x3(self.Mixed_3c(self.Mixed_3b(x)))
        x = self.Mixed_4f(self.Mixed_4e(self.Mixed_4d(self.Mixed_4c(self.Mixed_4b(x)))))
        x = self.Mixed_5c(self.Mixed_5b(self.MaxPool3d_5a_2x2(x)))
        x = F.avg_pool3d(x, kernel_size=(2, 7, 7), stride=(1, 1, 1))  # [B, 1024, T', 1, 1]
        x = self.logits(x)                                           # dropout is a no-op in eval
        return x.squeeze(4).squeeze(3).mean(dim=2)                   # logits averaged over time
