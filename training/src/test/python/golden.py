#!/usr/bin/env python3
"""Golden values from PyTorch for ndevid's numerics (see docs/GOLDEN_TESTS.md).

    golden.py TASK IN_DIR OUT_DIR        TASK: convtranspose | models | solvers | ode_generators | penalty

The Java tests write IN_DIR: ``manifest.json`` plus one raw little-endian file per tensor. The manifest holds
``config`` (task settings), ``tensors`` (name -> {file, dtype, shape}) and ``parameters`` (group -> the ordered
parameters of one DJL block: [{name, file, dtype, shape}, ...]). This script writes OUT_DIR the same way (tensors
only). Nothing here is random: every input comes from Java, so the comparison is of arithmetic, not of draws.

Needs Debian's python3 with python3-torch (torch >= 1.13) and numpy. Runs single-threaded to share the machine.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
DTYPES = {"float32": ("<f4", torch.float32), "float64": ("<f8", torch.float64)}


# ---- exchange ------------------------------------------------------------------------------------------------------

def read_tensor(folder, entry):
    np_type, _ = DTYPES[entry["dtype"]]
    data = np.fromfile(os.path.join(folder, entry["file"]), dtype=np_type)
    return torch.from_numpy(data.astype(data.dtype.newbyteorder("="))).reshape(entry["shape"])


class Inputs:
    def __init__(self, folder):
        self.folder = folder
        with open(os.path.join(folder, "manifest.json")) as f:
            self.manifest = json.load(f)
        self.config = self.manifest.get("config", {})

    def tensor(self, name):
        return read_tensor(self.folder, self.manifest["tensors"][name])

    def parameters(self, group, grad=False):
        """The group's parameters; with grad, the trainable ones (not BatchNorm's running statistics) are leaves
        that collect gradients."""
        entries = []
        for p in self.manifest["parameters"][group]:
            t = read_tensor(self.folder, p)
            entries.append((p["name"], t.requires_grad_() if grad and p["trainable"] else t))
        return Parameters(group, entries)


class Parameters:
    """A DJL block's parameters in DJL's order; the twin takes them in its construction order and checks shapes."""

    def __init__(self, group, entries):
        self.group = group
        self.entries = entries
        self.next = 0

    def take(self, shape=None, what=""):
        if self.next >= len(self.entries):
            raise SystemExit(f"{self.group}: the twin wants more parameters than Java exported ({what})")
        name, t = self.entries[self.next]
        if shape is not None and list(t.shape) != list(shape):
            raise SystemExit(f"{self.group}: parameter {self.next} '{name}' has shape {list(t.shape)}, "
                             f"the twin expected {list(shape)} ({what})")
        self.next += 1
        return t

    def peek(self):
        return self.entries[self.next][1]

    def done(self):
        if self.next != len(self.entries):
            rest = [n for n, _ in self.entries[self.next:]]
            raise SystemExit(f"{self.group}: Java exported parameters the twin did not use: {rest}")


class Outputs:
    def __init__(self, folder):
        self.folder = folder
        self.tensors = {}
        os.makedirs(folder, exist_ok=True)

    def put(self, name, t):
        t = t.detach().contiguous()
        dtype = {torch.float32: "float32", torch.float64: "float64"}[t.dtype]
        file = name.replace("/", "_") + ".bin"
        t.numpy().astype(DTYPES[dtype][0]).tofile(os.path.join(self.folder, file))
        self.tensors[name] = {"file": file, "dtype": dtype, "shape": list(t.shape)}

    def close(self):
        with open(os.path.join(self.folder, "manifest.json"), "w") as f:
            json.dump({"tensors": self.tensors}, f, indent=1)


# ---- transposed convolution ----------------------------------------------------------------------------------------

def convtranspose(inp, out):
    """Each case: x, w, b, r; y = conv_transpose{d}d(x, w, b, stride, padding), and the gradients of sum(r * y)."""
    functions = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
    for case in inp.config["cases"]:
        cid = case["id"]
        x, w, b, r = (inp.tensor(f"{cid}/{k}").requires_grad_(k != "r") for k in ("x", "w", "b", "r"))
        y = functions[case["dims"]](x, w, b, stride=case["stride"], padding=case["padding"])
        (y * r).sum().backward()
        out.put(f"{cid}/y", y)
        out.put(f"{cid}/dx", x.grad)
        out.put(f"{cid}/dw", w.grad)
        out.put(f"{cid}/db", b.grad)


# ---- the networks' twins -------------------------------------------------------------------------------------------
# Written from ndevid's nets (training/.../gan/nets, temporal/) and the reference architectures they follow; every
# width and size comes from the exported parameter shapes and the config Java wrote from the preset.

def batch_norm(x, p, training):
    c = x.shape[1]
    gamma, beta = p.take([c], "BN gamma"), p.take([c], "BN beta")
    mean, var = p.take([c], "BN running mean").clone(), p.take([c], "BN running var").clone()
    return F.batch_norm(x, mean, var, gamma, beta, training=training, momentum=0.1, eps=1e-5)


def linear(x, p, bias=True):
    w = p.take(what="linear weight")
    b = p.take([w.shape[0]], "linear bias") if bias else None
    return F.linear(x, w, b)


def log2(v):
    k = int(round(math.log2(v)))
    if 2 ** k != v:
        raise SystemExit(f"not a power of two: {v}")
    return k


def deconv(x, p, dims, stride, padding, bias):
    w = p.take(what="deconv weight")
    if w.shape[0] != x.shape[1]:
        raise SystemExit(f"{p.group}: deconv weight {list(w.shape)} does not take {x.shape[1]} channels")
    b = p.take([w.shape[1]], "deconv bias") if bias else None
    fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d}[dims]
    return fn(x, w, b, stride=stride, padding=padding)


def conv(x, p, stride, padding, bias=True):
    w = p.take(what="conv weight")
    b = p.take([w.shape[0]], "conv bias") if bias else None
    fn = {4: F.conv2d, 5: F.conv3d}[w.dim()]
    return fn(x, w, b, stride=stride, padding=padding)


def tgan_temporal(z, p, frames, training):
    """TGAN's G_t: z [B, d] as length 1 -> k1 deconv, then k4 s2 p1 until `frames` (BN + ReLU; tanh) -> [B, T, d]."""
    h = F.relu(batch_norm(deconv(z.unsqueeze(2), p, 1, 1, 0, False), p, training))
    layers = log2(frames)
    for i in range(1, layers + 1):
        last = i == layers
        h = deconv(h, p, 1, 2, 1, last)
        h = torch.tanh(h) if last else F.relu(batch_norm(h, p, training))
    return h.transpose(1, 2)


def tgan_image(z_slow, z_t, p, frame_size, training):
    """TGAN's image generator on (z_slow, z_t) per frame: two Linear+BN+ReLU to 4x4 maps, concat, deconvs, conv3."""
    maps = []
    for z in (z_slow, z_t):
        h = F.relu(batch_norm(linear(z, p, bias=False), p, training))
        maps.append(h.reshape(z.shape[0], -1, 4, 4))
    h = torch.cat(maps, 1)
    for _ in range(log2(frame_size) - 2):
        h = F.relu(batch_norm(deconv(h, p, 2, 2, 1, False), p, training))
    return torch.tanh(conv(h, p, 1, 1))


def to_video(frames, b, t):
    """[B*T, C, H, W] -> [B, C, T, H, W]."""
    return frames.reshape(b, t, *frames.shape[1:]).transpose(1, 2)


def tgan_generator(inp, out, cfg, training, tag):
    z = inp.tensor("tgan/z_slow")
    b, d, t = z.shape[0], z.shape[1], cfg["frames"]
    pt = inp.parameters("tgan/temporal")
    zt = tgan_temporal(z, pt, t, training)
    pt.done()
    out.put(f"tgan/z_t/{tag}", zt)
    pi = inp.parameters("tgan/image")
    slow = z.unsqueeze(1).expand(b, t, d).reshape(b * t, d)
    frames = tgan_image(slow, zt.reshape(b * t, d), pi, cfg["frameSize"], training)
    pi.done()
    out.put(f"tgan/video/{tag}", to_video(frames, b, t))


def tgan_discriminator(x, p, frame_size, training):
    """TGAN's D: conv3d k4 s2 p1 (k3 s1 in time once it is 1), BN from the second, LeakyReLU 0.2; conv (1,4,4)."""
    t = x.shape[2]
    h = x
    for i in range(log2(frame_size) - 2):
        s = (2, 2, 2) if t >= 2 else (1, 2, 2)  # the kernel (4 or 3 in time) comes with the weight
        h = conv(h, p, s, 1, bias=(i == 0))
        if i > 0:
            h = batch_norm(h, p, training)
        h = F.leaky_relu(h, 0.2)
        t = t // 2 if t >= 2 else t
    return conv(h, p, 1, 0).reshape(h.shape[0], -1)


def mocogan_image_generator(z, p, frame_size, training):
    """MoCoGAN's G_I on [N, z, 1, 1]: k4 s1 p0 deconv to 4x4, k4 s2 p1 doubling (BN + ReLU), tanh last."""
    h = F.relu(batch_norm(deconv(z, p, 2, 1, 0, False), p, training))
    ups = log2(frame_size) - 2
    for i in range(1, ups + 1):
        last = i == ups
        h = deconv(h, p, 2, 2, 1, last)
        h = torch.tanh(h) if last else F.relu(batch_norm(h, p, training))
    return h


def mocogan_generator(inp, out, cfg, training, tag):
    """GRU cell (PyTorch's own GRUCell with the exported weights) fed Java's noise, then G_I on [z_C, z_M(t)]."""
    h = inp.tensor("mocogan/z_motion")
    noise = inp.tensor("mocogan/noise")
    content = inp.tensor("mocogan/z_content")
    b, t, m = h.shape[0], cfg["frames"], h.shape[1]
    pt = inp.parameters("mocogan/temporal")
    cell = torch.nn.GRUCell(noise.shape[2], m)
    with torch.no_grad():
        cell.weight_ih.copy_(pt.take([3 * m, noise.shape[2]], "GRU input weight"))
        cell.bias_ih.copy_(pt.take([3 * m], "GRU input bias"))
        cell.weight_hh.copy_(pt.take([3 * m, m], "GRU hidden weight"))
        cell.bias_hh.copy_(pt.take([3 * m], "GRU hidden bias"))
    pt.done()
    zs = []
    for i in range(t):
        h = cell(noise[:, i], h)
        zs.append(h)
    zm = torch.stack(zs, 1)
    out.put(f"mocogan/z_m/{tag}", zm)
    z = torch.cat([content.unsqueeze(1).expand(b, t, content.shape[1]), zm], 2).reshape(b * t, -1, 1, 1)
    pi = inp.parameters("mocogan/image")
    frames = mocogan_image_generator(z, pi, cfg["frameSize"], training)
    pi.done()
    out.put(f"mocogan/video/{tag}", to_video(frames, b, t))


def mocogan_image_discriminator(x, p, frame_size, training):
    layers = min(4, log2(frame_size))
    h = x
    for i in range(layers):
        last = i == layers - 1
        h = conv(h, p, 2, 1, bias=(last or i == 0))
        if not last:
            if i > 0:
                h = batch_norm(h, p, training)
            h = F.leaky_relu(h, 0.2)
    return h


def mocogan_video_discriminator(x, p, frame_size, training):
    layers = min(4, log2(frame_size))
    h = x
    for i in range(layers):
        last = i == layers - 1
        h = conv(h, p, (1, 2, 2), (0, 1, 1), bias=(last or i == 0))
        if not last:
            if i > 0:
                h = batch_norm(h, p, training)
            h = F.leaky_relu(h, 0.2)
    return h


def mocogan_video_discriminator_full(x, p, frame_size, training):
    """MoCoGAN's VideoDiscriminator (mocoganNets authors): k4 convs, stride (1, 2, 2), padding (0, 1, 1), down to 4x4
    (BatchNorm after all but the first, LeakyReLU 0.2), then a conv over what is left to one logit; no biases."""
    h = x
    for i in range(log2(frame_size) - 2):
        h = conv(h, p, (1, 2, 2), (0, 1, 1), bias=False)
        if i > 0:
            h = batch_norm(h, p, training)
        h = F.leaky_relu(h, 0.2)
    return conv(h, p, 1, 0, bias=False)


def conv_lstm(x0, p, frames):
    """TGANv2's G_t: conv-LSTM k3 p1 over [B, c, s, s]; input x0 at t = 0, zeros after; gates i, f, o, g."""
    w = p.take(what="conv-LSTM gates weight")
    bias = p.take([w.shape[0]], "conv-LSTM gates bias")
    zeros = torch.zeros_like(x0)
    h, c, hs = zeros, zeros, []
    for t in range(frames):
        g = F.conv2d(torch.cat([x0 if t == 0 else zeros, h], 1), w, bias, padding=1)
        i, f, o, u = g.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(u)
        h = torch.sigmoid(o) * torch.tanh(c)
        hs.append(h.reshape(h.shape[0], -1))
    return torch.stack(hs, 1)


def res_up(x, p, training):
    """SNGAN-style up-block: BN, ReLU, nearest x2, conv3, BN, ReLU, conv3; shortcut nearest x2, conv1."""
    h = F.relu(batch_norm(x, p, training))
    h = conv(F.interpolate(h, scale_factor=2, mode="nearest"), p, 1, 1)
    h = conv(F.relu(batch_norm(h, p, training)), p, 1, 1)
    return h + conv(F.interpolate(x, scale_factor=2, mode="nearest"), p, 1, 0)


def render(h, p, training):
    return torch.tanh(conv(F.relu(batch_norm(h, p, training)), p, 1, 1))


class TganV2Renderer:
    """The renderer's parameters in DJL order: fc, every up-block, then one render block per level."""

    def __init__(self, p, sizes):
        self.p, self.sizes = p, sizes
        self.fc_w = p.take(what="fc weight")
        self.fc_b = p.take([self.fc_w.shape[0]], "fc bias")
        self.ups = []
        self.base = p.peek().shape[0]  # the first up-block's BN gamma: the channels of the FC's map
        side = math.isqrt(self.fc_w.shape[0] // self.base)
        self.side = side
        ups_before = [log2(sizes[0] // side)] + [log2(sizes[l] // sizes[l - 1]) for l in range(1, len(sizes))]
        self.ups_before = ups_before
        self.up_params = [self._slice(p, 14) for _ in range(sum(ups_before))]  # bn1(4) conv1(2) bn2(4) conv2(2) sc(2)
        self.render_params = [self._slice(p, 6) for _ in sizes]  # bn(4) conv(2)
        p.done()

    @staticmethod
    def _slice(p, n):
        if p.next + n > len(p.entries):
            raise SystemExit(f"{p.group}: the twin wants {n} more parameters after {p.next}; Java exported "
                             f"{[name for name, _ in p.entries]}")
        names = [name for name, _ in p.entries[p.next:p.next + n]]
        return Parameters(p.group, [(name, p.take()) for name in names])

    def project(self, z):
        return F.linear(z, self.fc_w, self.fc_b)

    def full(self, maps):
        """Inference render: every frame through every up-block, the last level's render block, no subsampling."""
        b, t = maps.shape[0], maps.shape[1]
        h = maps.reshape(b * t, self.base, self.side, self.side)
        for p in self.up_params:
            h = res_up(h, p, False)
        return to_video(render(h, self.render_params[-1], False), b, t)

    def levels(self, maps, offsets, batches, training):
        b, t = maps.shape[0], maps.shape[1]
        h = maps.reshape(b * t, self.base, self.side, self.side)
        outs, u = [], 0
        for l in range(len(self.sizes)):
            if l > 0:
                v = h.reshape(b, t, *h.shape[1:])[: batches[l], offsets[l]::2]
                b, t = v.shape[0], v.shape[1]
                h = v.reshape(b * t, *v.shape[2:])
            for _ in range(self.ups_before[l]):
                h = res_up(h, self.up_params[u], training)
                u += 1
            outs.append(to_video(render(h, self.render_params[l], training), b, t))
        return outs


def tganv2_maps(inp, cfg, z):
    """The renderer (parameters taken) and G_t's maps of z: FC(z) as the conv-LSTM's input at t = 0."""
    renderer = TganV2Renderer(inp.parameters("tganv2/renderer"), cfg["levelSizes"])
    pt = inp.parameters("tganv2/temporal")
    maps = conv_lstm(renderer.project(z).reshape(z.shape[0], renderer.base, renderer.side, renderer.side), pt,
                     cfg["frames"])
    pt.done()
    return renderer, maps


def tganv2_generator(inp, out, cfg, training, tag):
    renderer, maps = tganv2_maps(inp, cfg, inp.tensor("tganv2/z"))
    out.put(f"tganv2/maps/{tag}", maps)
    videos = renderer.levels(maps, cfg["offsets"], cfg["levelBatches"], training)
    for l, v in enumerate(videos):
        out.put(f"tganv2/level{l}/{tag}", v)


def res_down(x, p, first):
    """TGANv2's 3-D down-block (no normalisation): [ReLU] conv3, ReLU, conv3, avg-pool; shortcut conv1 + pool."""
    h = x if first else F.relu(x)
    h = conv(F.relu(conv(h, p, 1, 1)), p, 1, 1)
    h = pool3d(h)
    if first:
        s = conv(pool3d(x), p, 1, 0)
    else:
        s = pool3d(conv(x, p, 1, 0))
    return h + s


def pool3d(x):
    k = (2 if x.shape[2] >= 2 else 1, 2, 2)
    return F.avg_pool3d(x, k, k)


def tganv2_discriminator(x, p, size):
    blocks = max(1, log2(size) - 1)
    h = x
    for i in range(blocks):
        h = res_down(h, p, i == 0)
    h = F.relu(h).sum(dim=(2, 3, 4))
    return linear(h, p)


def discriminators(cfg):
    """(parameter group, input tensor, twin(x, p, training)) of every discriminator."""
    t, m = cfg["tgan"], cfg["mocogan"]
    ds = [("tgan/D", "tgan/video", lambda x, p, tr: tgan_discriminator(x, p, t["frameSize"], tr)),
          ("mocogan/DI", "mocogan/image", lambda x, p, tr: mocogan_image_discriminator(x, p, m["frameSize"], tr)),
          ("mocogan/DV", "mocogan/video", lambda x, p, tr: mocogan_video_discriminator(x, p, m["frameSize"], tr)),
          ("mocogan/DVfull", "mocogan/video",
           lambda x, p, tr: mocogan_video_discriminator_full(x, p, m["frameSize"], tr))]
    for l, size in enumerate(cfg["tganv2"]["levelSizes"]):  # no BatchNorm: both modes compute the same
        ds.append((f"tganv2/D{l}", f"tganv2/video{l}", lambda x, p, tr, size=size: tganv2_discriminator(x, p, size)))
    return ds


def gradient_nets(cfg):
    """The networks whose gradients are compared (training mode), with their input: every D, TGAN's 1-D G_t and
    MoCoGAN's image generator."""
    return discriminators(cfg) + [
        ("tgan/temporal", "tgan/z_slow", lambda x, p, tr: tgan_temporal(x, p, cfg["tgan"]["frames"], tr)),
        ("mocogan/image", "mocogan/image_z",
         lambda x, p, tr: mocogan_image_generator(x, p, cfg["mocogan"]["frameSize"], tr))]


def gradients(inp, out, group, x_name, twin):
    """Gradients of sum(y^2), y = twin(x), with respect to x and every trainable parameter (in DJL's order)."""
    with torch.enable_grad():
        p = inp.parameters(group, grad=True)
        x = inp.tensor(x_name).requires_grad_()
        y = twin(x, p, True)
        p.done()
        (y * y).sum().backward()
    out.put(f"{group}/grad/x", x.grad)
    for i, (_, t) in enumerate(p.entries):
        if t.requires_grad:
            out.put(f"{group}/grad/{i}", t.grad)


def models(inp, out):
    cfg = inp.config
    for training, tag in ((False, "eval"), (True, "train")):  # eval first: a training BN pass moves running stats
        tgan_generator(inp, out, cfg["tgan"], training, tag)
        mocogan_generator(inp, out, cfg["mocogan"], training, tag)
        tganv2_generator(inp, out, cfg["tganv2"], training, tag)
        for group, x_name, twin in discriminators(cfg):
            p = inp.parameters(group)
            out.put(f"{group}/{tag}", twin(inp.tensor(x_name), p, training))
            p.done()
    renderer, maps = tganv2_maps(inp, cfg["tganv2"], inp.tensor("tganv2/z_full"))
    out.put("tganv2/full", renderer.full(maps))
    for group, x_name, twin in gradient_nets(cfg):
        gradients(inp, out, group, x_name, twin)


# ---- one solver step -----------------------------------------------------------------------------------------------
# The test problem (Java builds the same one): f(t, y) = tanh(y W + b) * (1 + t) - 0.5 y,
# g(t, y) = 0.2 + 0.5 sigmoid(y * a + c) * (1 + t)  (diagonal noise, so g multiplies dW element-wise).

def drift(t, y, W, b):
    return torch.tanh(y @ W + b) * (1 + t) - 0.5 * y


def diffusion(t, y, a, c):
    return 0.2 + 0.5 * torch.sigmoid(y * a + c) * (1 + t)


def rk4_38(func, t0, dt, y0):
    """torchdiffeq's fixed-grid 'rk4' (rk_common.rk4_alt_step_func, used by fixed_grid.RK4): the 3/8 rule."""
    t1 = t0 + dt
    k1 = func(t0, y0)
    k2 = func(t0 + dt / 3, y0 + dt * k1 / 3)
    k3 = func(t0 + dt * 2 / 3, y0 + dt * (k2 - k1 / 3))
    k4 = func(t1, y0 + dt * (k1 - k2 + k3))
    return y0 + (k1 + 3 * (k2 + k3) + k4) * dt * 0.125


def rk4_classic(func, t0, dt, y0):
    """torchdiffeq's rk_common.rk4_step_func (classical RK4; its odeint does not call it for method='rk4')."""
    k1 = func(t0, y0)
    k2 = func(t0 + dt / 2, y0 + dt / 2 * k1)
    k3 = func(t0 + dt / 2, y0 + dt / 2 * k2)
    k4 = func(t0 + dt, y0 + dt * k3)
    return y0 + (k1 + 2 * (k2 + k3) + k4) * dt / 6


def euler_maruyama(f, g, t0, dt, y0, dw):
    """torchsde's Itô Euler (torchsde/_core/methods/euler.py, Euler.step): y1 = y0 + f(t0, y0) dt + g_prod, where for
    diagonal noise g_prod(t0, y0, I_k) = g(t0, y0) * I_k and I_k = bm(t0, t1) is the Brownian increment."""
    return y0 + f(t0, y0) * dt + g(t0, y0) * dw


def solvers(inp, out):
    cfg = inp.config
    t0, dt = cfg["t0"], cfg["dt"]
    y0, W, b = inp.tensor("y0"), inp.tensor("W"), inp.tensor("b")
    a, c, dw = inp.tensor("a"), inp.tensor("c"), inp.tensor("dW")
    f = lambda t, y: drift(t, y, W, b)
    g = lambda t, y: diffusion(t, y, a, c)
    out.put("rk4_38", rk4_38(f, t0, dt, y0))
    out.put("rk4", rk4_classic(f, t0, dt, y0))
    # torchdiffeq's fixed-grid solvers without step_size step once per output interval (the grid is ts itself)
    ys, ts = [y0], cfg["frames"]
    for i in range(len(ts) - 1):
        ys.append(rk4_38(f, ts[i], ts[i + 1] - ts[i], ys[-1]))
    out.put("rk4_38_frames", torch.stack(ys))
    out.put("euler_maruyama", euler_maruyama(f, g, t0, dt, y0, dw))


def ode_generator(z, p, case):
    """ndevid's latent-ODE G_t: [MLP: mlpLayers x (Linear, LeakyReLU 0.2), then Linear, LeakyReLU 0.2] -> h; the
    initial state: stacked form (h, E_1 h, E_2 h, ...) or the authors' form (E_0 h, E_1 h, ...: every state its own
    Linear encoding); f = Linear, tanh (linear) or Linear, tanh, Linear[, tanh] (g o h; the last tanh when
    ghOutputTanh) on [z, z', ...] side by side (stacked) or on the highest derivative alone (authors); the state
    (z, z', ...) moves with d/dt (z, ..., z^(k-1)) = (z', ..., f); integrated over the frame times, one step per
    interval."""
    h = z
    if case["mlp"]:
        for _ in range(case["mlpLayers"]):
            h = F.leaky_relu(linear(h, p), 0.2)
        h = F.leaky_relu(linear(h, p), 0.2)
    authors = case["authorsForm"]
    first = [] if authors else [h]
    y0 = torch.stack(first + [linear(h, p) for _ in range(case["order"] - len(first))])
    layers = []
    for _ in range(case["fLayers"]):
        w = p.take(what="f weight")
        layers.append((w, p.take([w.shape[0]], "f bias")))
    p.done()

    def field(t, y):
        x = y[-1] if authors else torch.cat(list(y), 1)
        for i, (w, b) in enumerate(layers):
            x = F.linear(x, w, b)
            if i == 0 or case["ghOutputTanh"]:
                x = torch.tanh(x)
        return torch.cat([y[1:], x.unsqueeze(0)], 0)

    step = {"rk4_38": rk4_38, "rk4": rk4_classic}.get(case["method"])
    if step is None:
        raise SystemExit(f"the twin has no step function for ODE method {case['method']}")
    ts, ys = case["times"], [y0]
    for i in range(len(ts) - 1):
        ys.append(step(field, ts[i], ts[i + 1] - ts[i], ys[-1]))
    return torch.stack([y[0] for y in ys], 1)


def ode_generators(inp, out):
    for case in inp.config["cases"]:
        out.put(f"{case['id']}/z_t", ode_generator(inp.tensor(f"{case['id']}/z"), inp.parameters(case["id"]), case))


# ---- TGANv2's gradient penalty --------------------------------------------------------------------------------------
# Twins of ndevid's TGANv2 level discriminators, in float64: the scaled one (Discriminators.tganv2Level: ResDown3d
# blocks, ReLU, a sum, Linear) and the authors' (Discriminators.tganv2LevelAuthors, their models/tganv2_dis.py:
# OptimizedDiscBlock, DisBlocks with odd-axis zero padding, a sum without ReLU, Linear).

def penalty_pool(x):
    kt = 2 if x.shape[2] >= 2 else 1
    return F.avg_pool3d(x, kernel_size=(kt, 2, 2))


def penalty_block(x, p, first):
    (w1, b1), (w2, b2), (ws, bs) = p
    h = x if first else F.relu(x)
    h = F.conv3d(h, w1, b1, padding=1)
    h = F.conv3d(F.relu(h), w2, b2, padding=1)
    h = penalty_pool(h)
    s = F.conv3d(penalty_pool(x), ws, bs) if first else penalty_pool(F.conv3d(x, ws, bs))
    return h + s


def authors_down(x):
    """The authors' DisBlock.downsample: pad odd axes by one each side, average-pool 2 on axes longer than 1."""
    ksize = [(2 if 1 < k else 1) for k in x.shape[2:]]
    pad = [(0 if k % 2 == 0 else 1) for k in x.shape[2:]][::-1]
    padf = []
    for q in pad:
        padf.append(q)
        padf.append(q)
    return F.avg_pool3d(F.pad(x, padf), kernel_size=ksize, padding=0)


def authors_block(x, p, first):
    (w1, b1), (w2, b2), (ws, bs) = p
    if first:
        h = F.conv3d(x, w1, b1, padding=1)
        h = F.conv3d(F.relu(h), w2, b2, padding=1)
        return F.avg_pool3d(h, kernel_size=(1, 2, 2)) + F.conv3d(F.avg_pool3d(x, kernel_size=(1, 2, 2)), ws, bs)
    h = F.conv3d(F.relu(x), w1, b1, padding=1)
    h = F.conv3d(F.relu(h), w2, b2, padding=1)
    return authors_down(h) + authors_down(F.conv3d(x, ws, bs))


def penalty_discriminator(x, params, names, form):
    blocks = (len(params) - 2) // 6
    if len(params) != 6 * blocks + 2:
        raise SystemExit(f"D: {len(params)} parameters is not 6 per block plus the Linear's 2")
    h = x
    for i in range(blocks):
        for j, kind in enumerate(["conv1", "conv1", "conv2", "conv2", "shortcut", "shortcut"]):
            if kind not in names[6 * i + j]:
                raise SystemExit(f"D: parameter {6 * i + j} '{names[6 * i + j]}' is not block {i}'s {kind}")
        q = params[6 * i:6 * i + 6]
        step = authors_block if form == "authors" else penalty_block
        h = step(h, [(q[0], q[1]), (q[2], q[3]), (q[4], q[5])], i == 0)
    h = h.sum(dim=(2, 3, 4)) if form == "authors" else F.relu(h).sum(dim=(2, 3, 4))
    return F.linear(h, params[-2], params[-1])


def penalty(inp, out):
    """R = lambda * sum over batch and elements of (dD/dx)^2 -- the authors' zero_centered_gp and TGANv2's
    DiracUpdater -- and its parameter gradient by exact double backward, in float64."""
    cfg = inp.config
    p = inp.parameters("D")
    names = [n for n, _ in p.entries]
    with torch.enable_grad():
        params = [t.double().requires_grad_() for _, t in p.entries]
        x = inp.tensor("x").double().requires_grad_()
        y = penalty_discriminator(x, params, names, cfg["form"])
        (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
        r = cfg["lambda"] * g.square().sum()
        # the last bias does not reach dD/dx: its gradient is zero (None from autograd)
        grads = torch.autograd.grad(r, params, allow_unused=True)
    out.put("d", y)
    out.put("penalty", r.reshape(1))
    for i, gr in enumerate(grads):
        out.put(f"grad/{i}", torch.zeros_like(params[i]) if gr is None else gr)


TASKS = {"convtranspose": convtranspose, "models": models, "solvers": solvers, "ode_generators": ode_generators,
         "penalty": penalty}

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in TASKS:
        sys.stderr.write(f"usage: golden.py {{{'|'.join(TASKS)}}} IN_DIR OUT_DIR\n")
        sys.exit(2)
    outputs = Outputs(sys.argv[3])
    with torch.no_grad() if sys.argv[1] != "convtranspose" else torch.enable_grad():
        TASKS[sys.argv[1]](Inputs(sys.argv[2]), outputs)
    outputs.close()
