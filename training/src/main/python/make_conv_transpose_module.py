#!/usr/bin/env python3
"""Writes the TorchScript module through which ConvTranspose's NATIVE strategy calls libtorch's own transposed
convolution (DJL 0.36's JNI has none; docs/ENGINE.md, "Missing operations").

The module holds no parameters and no state: its forward takes the input, the weight, a small int64 tensor with the
settings and an optional bias, all as inputs, so autograd records libtorch's own ConvolutionBackward node between
the caller's tensors and the output (DJL can pass only tensors to a module with autograd on). Settings tensor,
d = input rank − 2 spatial axes: stride (d), padding (d), output padding (d), dilation (d), groups (1).

Run it with Debian's python3 (torch 1.13); the output is committed (the same bytes on every run), so neither the build
nor the run needs Python:

    /usr/bin/python3 training/src/main/python/make_conv_transpose_module.py

It writes training/src/main/resources/io/ndevid/training/nn/conv_transpose.pt and checks the scripted module against
torch.nn.functional in float64 (values and gradients, 1-, 2- and 3-D).
"""
import os
import sys
from typing import List, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
OUT = os.path.join(ROOT, "training", "src", "main", "resources", "io", "ndevid", "training", "nn", "conv_transpose.pt")


class ConvTransposeFunction(torch.nn.Module):
    """conv_transpose{1,2,3}d(x, w, b, stride, padding, output_padding, groups, dilation), picked by x's rank."""

    def forward(self, x: Tensor, w: Tensor, settings: Tensor, b: Optional[Tensor] = None) -> Tensor:
        s: List[int] = settings.tolist()
        d = x.dim() - 2
        if len(s) != 4 * d + 1:
            raise ValueError("settings need 4·d + 1 values for d = " + str(d) + " spatial axes")
        stride = s[0:d]
        padding = s[d:2 * d]
        output_padding = s[2 * d:3 * d]
        dilation = s[3 * d:4 * d]
        groups = s[4 * d]
        if d == 1:
            return F.conv_transpose1d(x, w, b, stride, padding, output_padding, groups, dilation)
        if d == 2:
            return F.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)
        if d == 3:
            return F.conv_transpose3d(x, w, b, stride, padding, output_padding, groups, dilation)
        raise ValueError("input must have 1 to 3 spatial axes")


def check(module: torch.jit.ScriptModule) -> None:
    """The scripted module against torch.nn.functional, float64, values and gradients."""
    gen = torch.Generator().manual_seed(0)
    cases = [  # (input shape, weight shape, stride, padding, output padding, dilation, groups)
        ((2, 3, 5), (3, 2, 4), [2], [1], [0], [1], 1),
        ((2, 4, 3, 4), (4, 3, 4, 4), [2, 2], [1, 1], [1, 0], [1, 1], 2),
        ((1, 2, 2, 3, 3), (2, 2, 4, 4, 4), [1, 2, 2], [1, 1, 1], [0, 0, 0], [1, 2, 1], 1),
    ]
    fn = {3: F.conv_transpose1d, 4: F.conv_transpose2d, 5: F.conv_transpose3d}
    for xs, ws, st, pa, op, di, g in cases:
        x = torch.rand(xs, generator=gen, dtype=torch.float64, requires_grad=True)
        w = torch.rand(ws, generator=gen, dtype=torch.float64, requires_grad=True)
        b = torch.rand(ws[1] * g, generator=gen, dtype=torch.float64, requires_grad=True)
        settings = torch.tensor(st + pa + op + di + [g], dtype=torch.int64)
        got = module(x, w, settings, b)
        want = fn[len(xs)](x, w, b, st, pa, op, g, di)
        r = torch.rand(want.shape, generator=gen, dtype=torch.float64)
        grads_got = torch.autograd.grad((got * r).sum(), (x, w, b))
        grads_want = torch.autograd.grad((want * r).sum(), (x, w, b))
        assert torch.equal(got, want), xs
        for a, e in zip(grads_got, grads_want):
            assert torch.equal(a, e), xs
        no_bias = module(x, w, settings)
        assert torch.equal(no_bias, fn[len(xs)](x, w, None, st, pa, op, g, di)), xs


def main() -> int:
    module = torch.jit.script(ConvTransposeFunction())
    check(module)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    module.save(OUT)
    check(torch.jit.load(OUT))
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT)} bytes), torch {torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
