#!/usr/bin/python3
"""PyTorch side of ConvBench (training/src/test/java/io/ndevid/training/bench/ConvBench.java): the native transposed
convolutions (and TGAN's last plain convolution) of the cpu-small generators, N = 16 videos × 16 frames = 256 images,
forward (with a sum) and backward, median of `steps` after `warmup`; then the cost of one tiny op.

  OPENBLAS_NUM_THREADS=1 torch_convs.py [threads] [steps] [warmup]      (defaults 1 20 5)
"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def bench(name, xs, ws, fn, steps, warmup):
    x = torch.randn(*xs, requires_grad=True)
    w = (torch.randn(*ws) * 0.1).requires_grad_()
    fw, bw = [], []
    for i in range(steps + warmup):
        a = time.perf_counter()
        loss = fn(x, w).sum()
        loss.item()
        b = time.perf_counter()
        loss.backward()
        x.grad[0, 0, 0, 0].item()
        c = time.perf_counter()
        x.grad = None
        w.grad = None
        if i >= warmup:
            fw.append((b - a) * 1e3)
            bw.append((c - b) * 1e3)
    f, g = statistics.median(fw), statistics.median(bw)
    print(f"{name:<58} forward {f:7.2f} ms  backward {g:7.2f} ms  total {f + g:7.2f} ms")


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    torch.set_num_threads(threads)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    deconv = lambda s, p: (lambda x, w: F.conv_transpose2d(x, w, stride=s, padding=p))
    bench("TGAN G up1 / MoCoGAN G up1  64→32 4×4→8×8  native", (256, 64, 4, 4), (64, 32, 4, 4), deconv(2, 1),
          steps, warmup)
    bench("TGAN G up2                  32→16 8×8→16×16  native", (256, 32, 8, 8), (32, 16, 4, 4), deconv(2, 1),
          steps, warmup)
    bench("MoCoGAN G in                24→64 1×1→4×4  native", (256, 24, 1, 1), (24, 64, 4, 4), deconv(1, 0),
          steps, warmup)
    bench("MoCoGAN G out               32→1  8×8→16×16  native", (256, 32, 8, 8), (32, 1, 4, 4), deconv(2, 1),
          steps, warmup)
    bench("TGAN G out conv k3 p1        16→1  16×16", (256, 16, 16, 16), (1, 16, 3, 3),
          lambda x, w: F.conv2d(x, w, padding=1), steps, warmup)
    for grad in (False, True):
        a = torch.randn(16, 16, requires_grad=grad)
        b = torch.randn(16, 16)
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(20000):
                a + b
            best = min(best, (time.perf_counter() - t0) / 20000 * 1e6)
        print(f"one tiny op (add of two [16, 16]), autograd {str(grad).lower():<5}: {best:.1f} µs (best of 3 × 20000)")


if __name__ == "__main__":
    main()
