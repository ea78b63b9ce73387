"""PyTorch twin of ndevid's TGANv2 level discriminator and its zero-centred gradient penalty (test fixture writer).

Usage: python3 penalty_golden.py DIR

DIR/manifest.json lists the arrays ndevid exported (raw little-endian float64): the input batch "x", then the
discriminator's parameters in ndevid's order -- per residual down-block conv1 (weight, bias), conv2 (weight, bias),
shortcut (weight, bias) -- then the final Linear (weight, bias); "lambda", "blocks" and "form" are settings.

The twin mirrors ndevid's ResDown3d (the first block: conv3 -> ReLU -> conv3 -> pool, shortcut pool -> conv1; the
others: ReLU -> conv3 -> ReLU -> conv3 -> pool, shortcut conv1 -> pool; pool = average over (2 if T >= 2 else 1, 2, 2)),
then ReLU, a sum over time and space and the Linear -- form "scaled"; form "authors" is the authors' DisResNet
(models/tganv2_dis.py: OptimizedDiscBlock, DisBlock with its odd-axis padding, a sum without ReLU, the Linear),
which ndevid builds as Discriminators.tganv2LevelAuthors. Everything runs in float64.

The penalty is the one of the authors' zero_centered_gp and of TGANv2's DiracUpdater:
R = lambda * sum over batch and elements of (dD/dx)^2, its parameter gradient by exact double backward
(create_graph=True). Writes DIR/expected.json {"d": [...], "penalty": R} and DIR/grad-<i>.f64 per parameter.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def load(d, entry):
    a = np.fromfile(os.path.join(d, entry["file"]), dtype="<f8").reshape(entry["shape"])
    return torch.tensor(a, dtype=torch.float64)


def pool(x):
    kt = 2 if x.shape[2] >= 2 else 1
    return F.avg_pool3d(x, kernel_size=(kt, 2, 2))


def block(x, p, first):
    (w1, b1), (w2, b2), (ws, bs) = p
    h = x if first else F.relu(x)
    h = F.conv3d(h, w1, b1, padding=1)
    h = F.conv3d(F.relu(h), w2, b2, padding=1)
    h = pool(h)
    s = F.conv3d(pool(x), ws, bs) if first else pool(F.conv3d(x, ws, bs))
    return h + s


def authors_down(x):
    """The authors' DisBlock.downsample: pad odd axes by one each side, average-pool 2 on axes longer than 1."""
    ksize = [(2 if 1 < k else 1) for k in x.shape[2:]]
    pad = [(0 if k % 2 == 0 else 1) for k in x.shape[2:]][::-1]
    padf = []
    for p in pad:
        padf.append(p)
        padf.append(p)
    return F.avg_pool3d(F.pad(x, padf), kernel_size=ksize, padding=0)


def authors_block(x, p, first):
    """The authors' OptimizedDiscBlock (first) and DisBlock (models/tganv2_dis.py)."""
    (w1, b1), (w2, b2), (ws, bs) = p
    if first:
        h = F.conv3d(x, w1, b1, padding=1)
        h = F.conv3d(F.relu(h), w2, b2, padding=1)
        h = F.avg_pool3d(h, kernel_size=(1, 2, 2))
        s = F.conv3d(F.avg_pool3d(x, kernel_size=(1, 2, 2)), ws, bs)
        return h + s
    h = F.conv3d(F.relu(x), w1, b1, padding=1)
    h = F.conv3d(F.relu(h), w2, b2, padding=1)
    return authors_down(h) + authors_down(F.conv3d(x, ws, bs))


def discriminator(x, params, blocks, form):
    h = x
    for i in range(blocks):
        ps = params[6 * i:6 * i + 6]
        step = authors_block if form == "authors" else block
        h = step(h, [(ps[0], ps[1]), (ps[2], ps[3]), (ps[4], ps[5])], i == 0)
    h = h.sum(dim=(2, 3, 4)) if form == "authors" else F.relu(h).sum(dim=(2, 3, 4))
    w, b = params[6 * blocks], params[6 * blocks + 1]
    return F.linear(h, w, b)


def main(d):
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    entries = manifest["arrays"]
    assert entries[0]["name"] == "x", entries[0]
    x = load(d, entries[0]).requires_grad_(True)
    params = [load(d, e).requires_grad_(True) for e in entries[1:]]
    blocks = manifest["blocks"]
    assert len(params) == 6 * blocks + 2, (len(params), blocks)
    for i in range(blocks):
        for j, kind in enumerate(["conv1", "conv1", "conv2", "conv2", "shortcut", "shortcut"]):
            name = entries[1 + 6 * i + j]["name"]
            assert kind in name, (i, j, name)
    lam = manifest["lambda"]

    y = discriminator(x, params, blocks, manifest["form"])
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    penalty = lam * g.square().sum()
    # The last bias does not reach dD/dx: its penalty gradient is zero (None from autograd).
    grads = torch.autograd.grad(penalty, params, allow_unused=True)
    for i, gr in enumerate(grads):
        gr = torch.zeros_like(params[i]) if gr is None else gr
        gr.detach().numpy().astype("<f8").tofile(os.path.join(d, "grad-%d.f64" % i))
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump({"d": y.detach().reshape(-1).tolist(), "penalty": penalty.item(),
                   "torch": torch.__version__}, f)


if __name__ == "__main__":
    main(sys.argv[1])
