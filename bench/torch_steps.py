#!/usr/bin/python3
"""One training iteration of TGAN and MoCoGAN at cpu-small or gpu-paper, and of TGANv2 at cpu-small, in plain
PyTorch: the PyTorch side of bench/training_vs_pytorch.sh (run with Debian's python3-torch, PyTorch 1.13).

The networks, losses, optimizers and iteration structure mirror the Java models in
training/src/main/java/io/ndevid/training/gan/ (Tgan, MoCoGan, TganV2, nets/*) and the temporal generators in
training/.../temporal/ at the sizes and settings of Presets "cpu-small" or "gpu-paper" (docs/FIDELITY.md: the
authors' runs — their MLP before the ODE/SDE, torchdiffeq's rk4 = the 3/8 rule, tanh diffusion, their init, D in two
passes, fresh latents for the G update, MoCoGAN's bias-free nets and full video D); the layer arithmetic is spelled
out below and the trainable-parameter counts are checked against the Java models' (--expect). Native PyTorch layers
are used where PyTorch has them (ConvTranspose1d/2d, GRUCell, BCE-with-logits): this is what a PyTorch user would
write.

  torch_steps.py [--preset cpu-small] [--batch N] [--threads 1] [--steps 30] [--warmup 5]
                 [--expect G_t=N,G=N,D=N] [--profile FILE | --ops FILE] MODEL:KIND
  torch_steps.py --params-only [--preset cpu-small] MODEL:KIND …

MODEL: tgan | mocogan | tganv2 (cpu-small only); KIND: original | ode1 | sde (f = linear, as StepBench's default).
--batch replaces the preset's batch size (StepBench --batch). One step = the D update(s) and the G update of one
iteration (+ singular value clipping of TGAN's D when iteration % 5 == 0), timed with the losses read back as Python
floats, as the Java step returns them. Iterations are numbered from 0 (warm-up included), like StepBench, so the
same iterations carry the clipping pass. At gpu-paper the D updates' fakes are drawn under torch.no_grad(), as the
authors' scripts do (the Java models render them with the graph recorded and detach them: the same arithmetic).

Prints a human-readable line and one machine-readable line:
  RESULT side=pytorch config=MODEL:KIND preset=… batch=… median_ms=… min_ms=… max_ms=… rss_mb=… threads=…
         params=G_t:…,G:…,D:… cpu_ms=…
(cpu_ms: the process's CPU time per timed step, all threads, the mean over the timed steps)
Exits 3 if --expect is given and a count differs. --params-only MODEL:KIND … builds each config and prints
  PARAMS config=MODEL:KIND preset=… params=G_t:…,G:…,D:…
without stepping (TorchStepsParamsTest compares them with the Java models'). --profile FILE records the timed steps
with the autograd profiler into a Chrome trace (as StepBench --profile; summarise with bench/op_profile.py); times
printed with it are slowed. --ops FILE instead profiles one more iteration after the timed ones into FILE (as
StepBench --ops): unprofiled step times and the ops of a step from one run (bench/op_profile.py --steps 1 FILE).
"""
import argparse
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---- the presets (training/src/main/java/io/ndevid/training/spec/Presets.java), per model ------------------------

class Preset:
    """The fields of a Presets spec that shape a TGAN/MoCoGAN step. gpu-paper: the authors' runs (docs/FIDELITY.md)."""

    def __init__(self, name, model, kind, batch):
        paper = name == "gpu-paper"
        if name not in ("cpu-small", "gpu-paper"):
            raise SystemExit(f"unknown preset {name!r}; here: cpu-small, gpu-paper")
        self.name = name
        self.frames = 16
        self.size = 64 if paper else 16
        self.channels = 3 if paper else 1
        self.latent = (16 if model == "mocogan" else 100) if paper else 16  # TGAN z_slow / MoCoGAN motion
        self.content = 50 if paper else 8                                    # MoCoGAN content
        self.width = 64 if paper else 8
        self.batch = batch or (32 if paper else 16)
        self.lr = 5e-5 if paper and model == "tgan" else 2e-4                # lrG = lrD
        self.sde_dt = 0.05 if model == "tganv2" else 0.025
        self.joint_d = not paper          # TGAN: D on real‖fake in one batch (cpu) or two passes (the authors)
        self.fresh = paper                # G update on fresh latents; D's fakes under no_grad (the authors)
        self.authors = paper              # init, MoCoGAN's nets: the authors' (else TGAN's / DCGAN's, patch Ds)
        self.rk = "rk4_38" if paper else "rk4"
        self.diffusion = "tanh" if paper else "sigmoid"
        # The MLP before the ODE/SDE: every TGAN ODE/SDE script; MoCoGAN's ode1 (f linear) only.
        mlp = paper and kind != "original" and (model == "tgan" or kind == "ode1")
        self.mlp = ((512, 3) if model == "tgan" else (64, 1)) if mlp else None


SVC_INTERVAL = 5


def log2(v):
    assert v > 0 and v & (v - 1) == 0, v
    return v.bit_length() - 1


def frame_times(frames):
    return [i / (frames - 1) for i in range(frames)]


# ---- temporal generators: [B, d] → [B, T, d] ------------------------------------------------------------------

class TganDeconvGt(nn.Module):
    """TGAN's original G_t (temporal/DeconvTemporalGenerator): 1-D transposed convs, k1 to 8·width, then k4 s2 p1
    doubling the length (channels halving, at least 2·width), BN + ReLU between, tanh on the last."""

    def __init__(self, d, frames, width):
        super().__init__()
        c = 8 * width
        layers = [nn.ConvTranspose1d(d, c, 1, 1, 0, bias=False), nn.BatchNorm1d(c), nn.ReLU()]
        n = log2(frames)
        for i in range(1, n + 1):
            last = i == n
            nxt = d if last else max(2 * width, c // 2)
            layers.append(nn.ConvTranspose1d(c, nxt, 4, 2, 1, bias=last))
            layers += [nn.Tanh()] if last else [nn.BatchNorm1d(nxt), nn.ReLU()]
            c = nxt
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z.unsqueeze(2)).transpose(1, 2)


class GruGt(nn.Module):
    """MoCoGAN's original G_t (temporal/GruTemporalGenerator): a GRU cell from h0 = z fed N(0, 1) noise per step;
    outputs h_1 … h_T."""

    def __init__(self, d, frames):
        super().__init__()
        self.frames = frames
        self.cell = nn.GRUCell(d, d)  # PyTorch's default init U(±1/√d), as the Java model draws it

    def forward(self, z):
        noise = torch.randn(z.shape[0], self.frames, z.shape[1])
        h = z
        out = []
        for t in range(self.frames):
            h = self.cell(noise[:, t], h)
            out.append(h)
        return torch.stack(out, 1)


def linear_tanh(d):
    return nn.Sequential(nn.Linear(d, d), nn.Tanh())


def mlp_before(d, mlp):
    """temporal/Blocks.mlp, the authors' MLP before the ODE/SDE: `layers` × (Linear(width) + LeakyReLU 0.2), then
    Linear(d) + LeakyReLU 0.2 (their MLPs end in the activation too); None: no MLP (the identity)."""
    if mlp is None:
        return nn.Identity()
    width, layers = mlp
    out, c = [], d
    for _ in range(layers):
        out += [nn.Linear(c, width), nn.LeakyReLU(0.2)]
        c = width
    return nn.Sequential(*out, nn.Linear(c, d), nn.LeakyReLU(0.2))


class OdeGt(nn.Module):
    """Latent ODE of order 1 (temporal/OdeTemporalGenerator) after the optional MLP, f = Linear(d, d) + tanh, one
    rk4 step per frame interval on linspace(0, 1, T) (torchdiffeq's fixed grid, written out): classic rk4 (cpu-small)
    or the 3/8 rule (gpu-paper: torchdiffeq's "rk4"); output includes z0."""

    def __init__(self, d, frames, method="rk4", mlp=None):
        super().__init__()
        self.frames = frames
        self.method = method
        self.mlp = mlp_before(d, mlp)
        self.f = linear_tanh(d)

    def forward(self, z):
        ts = frame_times(self.frames)
        f = self.f
        y = self.mlp(z)
        out = [y]
        for i in range(self.frames - 1):
            h = ts[i + 1] - ts[i]
            k1 = f(y)
            if self.method == "rk4_38":
                k2 = f(y + (h / 3) * k1)
                k3 = f(y + h * (k2 - k1 / 3))
                k4 = f(y + h * (k1 - k2 + k3))
                y = y + (h / 8) * (k1 + 3 * (k2 + k3) + k4)
            else:
                k2 = f(y + (0.5 * h) * k1)
                k3 = f(y + (0.5 * h) * k2)
                k4 = f(y + h * k3)
                y = y + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
            out.append(y)
        return torch.stack(out, 1)


class SdeGt(nn.Module):
    """Latent Itô SDE (temporal/SdeTemporalGenerator) after the optional MLP: drift f = Linear + tanh, diffusion
    act(Linear) with act sigmoid (cpu-small) or tanh (gpu-paper, the authors' TGAN-SDE), diagonal noise,
    Euler–Maruyama with ⌈span/dt⌉ equal steps per frame interval (dt 0.025: 3 steps, 45 in all)."""

    def __init__(self, d, frames, dt, diffusion="sigmoid", mlp=None):
        super().__init__()
        self.frames = frames
        self.dt = dt
        self.mlp = mlp_before(d, mlp)
        self.drift = linear_tanh(d)
        self.diffusion = nn.Sequential(nn.Linear(d, d), nn.Tanh() if diffusion == "tanh" else nn.Sigmoid())

    def forward(self, z):
        ts = frame_times(self.frames)
        y = self.mlp(z)
        out = [y]
        for i in range(self.frames - 1):
            span = ts[i + 1] - ts[i]
            n = max(1, math.ceil(span / self.dt * (1 - 1e-12)))
            h = span / n
            sqrt_h = math.sqrt(h)
            for _ in range(n):
                dw = torch.randn_like(y) * sqrt_h
                y = y + self.drift(y) * h + self.diffusion(y) * dw
            out.append(y)
        return torch.stack(out, 1)


def temporal(p, kind, original):
    if kind == "original":
        return original()
    if kind == "ode1":
        return OdeGt(p.latent, p.frames, p.rk, p.mlp)
    if kind == "sde":
        return SdeGt(p.latent, p.frames, p.sde_dt, p.diffusion, p.mlp)
    raise SystemExit("unknown G_t " + kind)


# ---- image generators and discriminators ----------------------------------------------------------------------

class TganImageG(nn.Module):
    """gan/nets/TganImageGenerator: z_slow and z_t each Linear → 16·(4·width) (no bias, BN, ReLU) as 4·width maps of
    4×4, concatenated; ConvTranspose2d k4 s2 p1 (BN, ReLU, channels halving) up to the frame size; Conv2d k3 s1 p1 to
    the colour channels, tanh."""

    def __init__(self, d, width, size, channels):
        super().__init__()
        self.half = 4 * width
        proj = lambda: nn.Sequential(nn.Linear(d, 16 * self.half, bias=False), nn.BatchNorm1d(16 * self.half),
                                     nn.ReLU())
        self.slow = proj()
        self.fast = proj()
        c = 2 * self.half
        up = []
        for _ in range(log2(size) - 2):
            nxt = max(1, c // 2)
            up += [nn.ConvTranspose2d(c, nxt, 4, 2, 1, bias=False), nn.BatchNorm2d(nxt), nn.ReLU()]
            c = nxt
        up += [nn.Conv2d(c, channels, 3, 1, 1, bias=True), nn.Tanh()]
        self.up = nn.Sequential(*up)

    def forward(self, zs, zt):
        n = zs.shape[0]
        h = torch.cat([self.slow(zs).view(n, self.half, 4, 4), self.fast(zt).view(n, self.half, 4, 4)], 1)
        return self.up(h)


def tgan_d(size, frames, width, channels):
    """gan/nets/Discriminators.tgan: Conv3d k4 s2 p1 (bias on the first only), BN on all but the first, LeakyReLU
    0.2, down to 4×4; then Conv3d k(1, 4, 4) to one channel; flattened to one score per remaining time step."""
    layers = []
    t = frames
    c = channels
    for i in range(log2(size) - 2):
        k = (4, 4, 4) if t >= 2 else (3, 4, 4)
        s = (2, 2, 2) if t >= 2 else (1, 2, 2)
        layers.append(nn.Conv3d(c, width << i, k, s, 1, bias=i == 0))
        if i > 0:
            layers.append(nn.BatchNorm3d(width << i))
        layers.append(nn.LeakyReLU(0.2))
        c = width << i
        t = t // 2 if t >= 2 else t
    layers += [nn.Conv3d(c, 1, (1, 4, 4), 1, 0, bias=True), nn.Flatten()]
    return nn.Sequential(*layers)


def mocogan_g(z_dim, width, size, channels, last_bias=True):
    """gan/nets/Generators.mocogan: ConvTranspose2d k4 s1 p0 to 8·width at 4×4 (BN, ReLU), then k4 s2 p1 doubling
    (channels halving, BN + ReLU), the last to the colour channels (a bias unless the authors' nets) with tanh."""
    c = 8 * width
    layers = [nn.ConvTranspose2d(z_dim, c, 4, 1, 0, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
    ups = log2(size) - 2
    for i in range(1, ups + 1):
        last = i == ups
        nxt = channels if last else max(1, c // 2)
        layers.append(nn.ConvTranspose2d(c, nxt, 4, 2, 1, bias=last and last_bias))
        layers += [nn.Tanh()] if last else [nn.BatchNorm2d(nxt), nn.ReLU()]
        c = nxt
    return nn.Sequential(*layers)


def mocogan_di(size, width, channels, biases=True):
    """Discriminators.mocoganImage: Conv2d k4 s2 p1 (width, 2·width, 4·width; BN on the middle ones, LeakyReLU 0.2),
    the last to one channel (a map of logits); bias on the first and the last (none with the authors' nets)."""
    n = min(4, log2(size))
    layers = []
    c = channels
    for i in range(n):
        last = i == n - 1
        out = 1 if last else width << i
        layers.append(nn.Conv2d(c, out, 4, 2, 1, bias=biases and (last or i == 0)))
        if not last:
            if i > 0:
                layers.append(nn.BatchNorm2d(out))
            layers.append(nn.LeakyReLU(0.2))
        c = out
    return nn.Sequential(*layers)


def mocogan_dv(size, frames, width, channels):
    """Discriminators.mocoganVideo: Conv3d k(min(4, T), 4, 4) s(1, 2, 2) p(0, 1, 1), channels as the image D."""
    n = min(4, log2(size))
    layers = []
    c = channels
    t = frames
    for i in range(n):
        last = i == n - 1
        kt = min(4, t)
        out = 1 if last else width << i
        layers.append(nn.Conv3d(c, out, (kt, 4, 4), (1, 2, 2), (0, 1, 1), bias=last or i == 0))
        t = t - kt + 1
        if not last:
            if i > 0:
                layers.append(nn.BatchNorm3d(out))
            layers.append(nn.LeakyReLU(0.2))
        c = out
    return nn.Sequential(*layers)


def mocogan_dv_full(size, frames, width, channels):
    """Discriminators.mocoganVideoFull (MoCoGAN's VideoDiscriminator, the authors' nets): Conv3d k(min(4, T), 4, 4)
    s(1, 2, 2) p(0, 1, 1) down to 4×4 (width, 2·width, …; BN on all but the first, LeakyReLU 0.2), then a Conv3d over
    what is left to one logit per video; no biases."""
    layers = []
    c = channels
    t = frames
    for i in range(log2(size) - 2):
        kt = min(4, t)
        layers.append(nn.Conv3d(c, width << i, (kt, 4, 4), (1, 2, 2), (0, 1, 1), bias=False))
        t = t - kt + 1
        if i > 0:
            layers.append(nn.BatchNorm3d(width << i))
        layers.append(nn.LeakyReLU(0.2))
        c = width << i
    layers.append(nn.Conv3d(c, 1, (min(4, t), 4, 4), 1, 0, bias=False))
    return nn.Sequential(*layers)


# ---- initialisation (as gan/nets/Init: weights re-drawn, biases 0, BatchNorm γ = 1, β = 0) ---------------------

CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d, nn.Linear)


@torch.no_grad()
def init(module, rule, zero_biases=True):
    """Re-draws every weight by `rule`; biases 0, or PyTorch's default U(±1/√fan_in) (the authors' init: kept)."""
    for m in module.modules():
        if isinstance(m, CONVS):
            rule(m.weight)
            if m.bias is not None and zero_biases:
                m.bias.zero_()


def xavier_sqrt2(w):
    nn.init.xavier_uniform_(w, gain=math.sqrt(2))


def xavier_normal_sqrt2(w):
    nn.init.xavier_normal_(w, gain=math.sqrt(2))


def uniform_001(w):
    nn.init.uniform_(w, -0.01, 0.01)


def count(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


# ---- TGAN ------------------------------------------------------------------------------------------------------

class Tgan:
    """gan/Tgan: WGAN, RMSprop (alpha 0.99, eps 1e-8), one D and one G update per iteration; singular value clipping
    of D's weights (and BN γ clipping) when iteration % 5 == 0, after the updates. cpu-small: D on real and fake
    concatenated in one batch (the fake half detached in the D update), G updated on the same fake batch; init U(±0.01)
    everywhere (an ODE/SDE G_t Xavier-uniform √2), biases 0. gpu-paper (the authors): D on real and on fake in two
    passes, the G update on a fresh batch from fresh latents; init D Xavier-normal √2, image G U(±0.01), G_t
    Xavier-uniform √2, biases PyTorch's default."""

    def __init__(self, p, kind):
        self.p = p
        self.gt = temporal(p, kind, lambda: TganDeconvGt(p.latent, p.frames, p.width))
        zero = not p.authors  # biases 0 (TGAN), else PyTorch's default
        if kind == "original" and not p.authors:
            init(self.gt, uniform_001)
        else:
            init(self.gt, xavier_sqrt2, zero)
        self.image = TganImageG(p.latent, p.width, p.size, p.channels)
        init(self.image, uniform_001, zero)
        self.g = nn.ModuleDict({"temporal": self.gt, "image": self.image})
        self.d = tgan_d(p.size, p.frames, p.width, p.channels)
        init(self.d, xavier_normal_sqrt2 if p.authors else uniform_001, zero)
        self.g.train()
        self.d.train()
        self.opt_g = torch.optim.RMSprop(self.g.parameters(), lr=p.lr, alpha=0.99, eps=1e-8)
        self.opt_d = torch.optim.RMSprop(self.d.parameters(), lr=p.lr, alpha=0.99, eps=1e-8)

    def params(self):
        return {"G_t": count(self.gt), "G": count(self.g), "D": count(self.d)}

    def z_slow(self):
        return torch.rand(self.p.batch, self.p.latent) * 2 - 1

    def videos(self, z_slow):
        zt = self.gt(z_slow)  # [B, T, d]
        b, t, d = zt.shape
        slow = z_slow.unsqueeze(1).expand(b, t, d).reshape(b * t, d)
        frames = self.image(slow, zt.reshape(b * t, d))
        return frames.view(b, t, *frames.shape[1:]).transpose(1, 2)  # [B, C, T, H, W]

    def step(self, real, iteration):
        b = self.p.batch
        self.opt_d.zero_grad()
        if self.p.joint_d:
            fake = self.videos(self.z_slow())
            y = self.d(torch.cat([real, fake.detach()], 0))
            y_real = y[:b].mean()
            y_fake = y[b:].mean()
        else:  # the authors: two passes, the fakes drawn under no_grad
            with torch.no_grad():
                fake = self.videos(self.z_slow())
            y_real = self.d(real).mean()
            y_fake = self.d(fake).mean()
        loss_d = y_fake - y_real
        loss_d.backward()
        self.opt_d.step()
        self.opt_g.zero_grad()
        if self.p.fresh:
            fake = self.videos(self.z_slow())
        if self.p.joint_d:
            loss_g = -self.d(torch.cat([real, fake], 0))[b:].mean()
        else:
            loss_g = -self.d(fake).mean()
        loss_g.backward()
        self.opt_g.step()
        out = {"d_loss": loss_d.item(), "g_loss": loss_g.item(), "d_real": y_real.item(), "d_fake": y_fake.item()}
        if iteration % SVC_INTERVAL == 0:
            out["svc_largest_sv"] = svc(self.d)
        return out


@torch.no_grad()
def svc(d):
    """gan/SingularValueClipping: every conv weight as a matrix (shape[0], rest) gets its singular values above 1 set
    to 1 (SVD in float64, as the Java side's EJML); BN γ clipped to [0.01·σ, σ], σ = √(running var + 1e-5)."""
    largest = 0.0
    for m in d.modules():
        if isinstance(m, CONVS):
            w = m.weight
            a = w.reshape(w.shape[0], -1).double()
            u, s, vh = torch.linalg.svd(a, full_matrices=False)
            top = s.max().item()
            largest = max(largest, top)
            if top > 1:
                w.copy_(((u * s.clamp(max=1.0)) @ vh).view_as(w))
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            sd = (m.running_var + 1e-5).sqrt()
            m.weight.copy_(torch.maximum(0.01 * sd, torch.minimum(sd, m.weight)))
    return largest


# ---- MoCoGAN ---------------------------------------------------------------------------------------------------

class MoCoGan:
    """gan/MoCoGan: BCE with logits; the image D on one random frame per video (real and fake), the video D on whole
    videos; per iteration the image D, the video D, then G (both D losses); Adam (0.5, 0.999), weight decay 1e-5.
    cpu-small: one fake batch for all terms (detached in the D updates), patch Ds with biases on their first and last
    layers, DCGAN init N(0, 0.02), biases 0. gpu-paper (the authors): each of the four terms on its own sample — the
    image terms B single frames rendered alone (one G_t path per frame), the D updates' under no_grad —, MoCoGAN's
    bias-free G and Ds with its full video D, PyTorch's default init."""

    def __init__(self, p, kind):
        self.p = p
        self.gt = temporal(p, kind, lambda: GruGt(p.latent, p.frames))
        normal = lambda w: nn.init.normal_(w, 0.0, 0.02)
        if kind != "original" and not p.authors:
            init(self.gt, xavier_sqrt2)
        self.image = mocogan_g(p.content + p.latent, p.width, p.size, p.channels, last_bias=not p.authors)
        self.di = mocogan_di(p.size, p.width, p.channels, biases=not p.authors)
        self.dv = (mocogan_dv_full(p.size, p.frames, p.width, p.channels) if p.authors
                   else mocogan_dv(p.size, p.frames, p.width, p.channels))
        if not p.authors:  # the authors keep PyTorch's defaults
            for n in (self.image, self.di, self.dv):
                init(n, normal)
        self.g = nn.ModuleDict({"temporal": self.gt, "image": self.image})
        for n in (self.g, self.di, self.dv):
            n.train()
        adam = lambda ps: torch.optim.Adam(ps, lr=p.lr, betas=(0.5, 0.999), weight_decay=1e-5)
        self.opt_g = adam(self.g.parameters())
        self.opt_di = adam(self.di.parameters())
        self.opt_dv = adam(self.dv.parameters())

    def params(self):
        return {"G_t": count(self.gt), "G": count(self.g), "DI": count(self.di), "DV": count(self.dv)}

    def latents(self):
        return torch.randn(self.p.batch, self.p.content), torch.randn(self.p.batch, self.p.latent)

    def frame_indices(self):
        return torch.randint(0, self.p.frames, (self.p.batch,))

    def videos(self, content, motion0):
        zm = self.gt(motion0)  # [B, T, m]
        b, t, _ = zm.shape
        zc = content.unsqueeze(1).expand(b, t, content.shape[1])
        z = torch.cat([zc, zm], 2).reshape(b * t, -1, 1, 1)
        frames = self.image(z)
        return frames.view(b, t, *frames.shape[1:]).transpose(1, 2)

    def images(self):
        """MoCoGan.images: one frame of each of B fresh videos, rendered alone [B, C, H, W]."""
        content, motion0 = self.latents()
        zm = self.gt(motion0)  # [B, T, m]
        b = zm.shape[0]
        z = torch.cat([content, zm[torch.arange(b), self.frame_indices()]], 1)
        return self.image(z.view(b, -1, 1, 1))

    def step(self, real, iteration):
        b = self.p.batch
        rows = torch.arange(b)
        real_images = real[rows, :, self.frame_indices()]
        if self.p.fresh:  # the authors: each term its own sample, the D updates' under no_grad
            with torch.no_grad():
                fake_images = self.images()
                fake = self.videos(*self.latents())
        else:
            fake = self.videos(*self.latents())
            fake_images = fake[rows, :, self.frame_indices()]  # [B, C, H, W]

        self.opt_di.zero_grad()
        loss_di = bce(self.di(real_images), True) + bce(self.di(fake_images.detach()), False)
        loss_di.backward()
        self.opt_di.step()

        self.opt_dv.zero_grad()
        loss_dv = bce(self.dv(real), True) + bce(self.dv(fake.detach()), False)
        loss_dv.backward()
        self.opt_dv.step()

        self.opt_g.zero_grad()
        if self.p.fresh:
            fake = self.videos(*self.latents())
            fake_images = self.images()
        loss_gi = bce(self.di(fake_images), True)
        loss_gv = bce(self.dv(fake), True)
        loss_g = loss_gi + loss_gv
        loss_g.backward()
        self.opt_g.step()
        di, dv = loss_di.item(), loss_dv.item()
        return {"d_loss": di + dv, "g_loss": loss_g.item(), "d_image_loss": di, "d_video_loss": dv,
                "g_image_loss": loss_gi.item(), "g_video_loss": loss_gv.item()}


def bce(logits, real):
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return F.binary_cross_entropy_with_logits(logits, target)


# ---- TGANv2 (cpu-small only: the scaled architecture) -------------------------------------------------------------

class ConvLstmGt(nn.Module):
    """TGANv2's G_t (temporal/ConvLstmTemporalGenerator): a conv-LSTM (k3 p1, gates i, f, o, g from one conv over
    [x, h]) on the c×s×s map FC(z) at t = 0, zero input after; h, c start at 0; outputs h_0 … h_{T−1} flattened."""

    def __init__(self, channels, size, frames):
        super().__init__()
        self.c, self.s, self.frames = channels, size, frames
        self.gates = nn.Conv2d(2 * channels, 4 * channels, 3, 1, 1)

    def forward(self, x0):
        b = x0.shape[0]
        x = x0.view(b, self.c, self.s, self.s)
        zeros = torch.zeros_like(x)
        h = c = zeros
        out = []
        for t in range(self.frames):
            i, f, o, g = self.gates(torch.cat([x if t == 0 else zeros, h], 1)).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            out.append(h.reshape(b, 1, -1))
        return torch.cat(out, 1)


class ResUp2d(nn.Module):
    """gan/nets/ResUp2d: BN → ReLU → up ×2 (nearest) → conv3 → BN → ReLU → conv3, plus up ×2 → conv1."""

    def __init__(self, cin, cout):
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 3, 1, 1)
        self.bn2, self.conv2 = nn.BatchNorm2d(cout), nn.Conv2d(cout, cout, 3, 1, 1)
        self.shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        h = self.conv1(F.interpolate(F.relu(self.bn1(x)), scale_factor=2))
        h = self.conv2(F.relu(self.bn2(h)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2))


class TganV2Renderer(nn.Module):
    """gan/nets/TganV2Renderer, scaled: FC → 8·width×4×4 seed map, up-blocks halving the channels (at least width),
    levels clamp(log2(size / 4), 1, 4) — level 0 every frame at size / 2^(L−1), each further level one up-block after
    keeping every 2nd frame (random offset) and half the batch — each with its render BN → ReLU → conv3 → tanh."""

    def __init__(self, d, width, size, channels):
        super().__init__()
        self.base = 8 * width
        self.levels = max(1, min(4, log2(size // 4)))
        self.fc = nn.Linear(d, 16 * self.base)
        self.per_level = [log2((size >> (self.levels - 1)) // 4)] + [1] * (self.levels - 1)
        c = [self.base]
        for _ in range(sum(self.per_level)):
            c.append(max(width, c[-1] // 2))
        self.ups = nn.ModuleList(ResUp2d(c[i], c[i + 1]) for i in range(len(c) - 1))
        ends = [sum(self.per_level[:l + 1]) for l in range(self.levels)]
        self.renders = nn.ModuleList(nn.Sequential(nn.BatchNorm2d(c[e]), nn.ReLU(), nn.Conv2d(c[e], channels, 3, 1, 1),
                                                   nn.Tanh()) for e in ends)

    def forward(self, maps, offsets, batches):
        b, t = maps.shape[:2]
        h = maps.reshape(b * t, self.base, 4, 4)
        out, u = [], 0
        for level in range(self.levels):
            if level > 0:
                v = h.view(b, t, *h.shape[1:])[:batches[level], offsets[level]::2]
                b, t = v.shape[:2]
                h = v.reshape(b * t, *v.shape[2:])
            for _ in range(self.per_level[level]):
                h = self.ups[u](h)
                u += 1
            f = self.renders[level](h)
            out.append(f.view(b, t, *f.shape[1:]).transpose(1, 2))
        return out


class ResDown3d(nn.Module):
    """gan/nets/ResDown3d, scaled (SNGAN-style): [ReLU →] conv3 → ReLU → conv3 → avg pool (2 in time while ≥ 2, 2, 2),
    plus conv1 → pool (the first block: pool → conv1, no leading ReLU)."""

    def __init__(self, cin, cout, first):
        super().__init__()
        self.first = first
        self.conv1, self.conv2 = nn.Conv3d(cin, cout, 3, 1, 1), nn.Conv3d(cout, cout, 3, 1, 1)
        self.shortcut = nn.Conv3d(cin, cout, 1)

    @staticmethod
    def pool(x):
        k = (2 if x.shape[2] >= 2 else 1, 2, 2)
        return F.avg_pool3d(x, k, k)

    def forward(self, x):
        h = self.pool(self.conv2(F.relu(self.conv1(x if self.first else F.relu(x)))))
        return h + (self.shortcut(self.pool(x)) if self.first else self.pool(self.shortcut(x)))


def tganv2_level_d(size, width, channels):
    """Discriminators.tganv2Level: ResDown3d blocks (width, 2·width, … at most 8·width) down to 2×2, then ReLU, a sum
    over time and space and Linear → one logit per video."""
    blocks, c, layers = max(1, log2(size) - 1), channels, []
    for i in range(blocks):
        out = min(8 * width, width << i)
        layers.append(ResDown3d(c, out, i == 0))
        c = out

    class Head(nn.Module):
        def forward(self, x):
            return F.relu(x).sum((2, 3, 4))

    return nn.Sequential(*layers, Head(), nn.Linear(c, 1))


class TganV2:
    """gan/TganV2 at cpu-small (tganv2Arch scaled, init original, D then G on the same batch): softplus loss over all
    levels' logits together, the zero-centred gradient penalty on real data λ·Σ (∂D/∂x)², λ 0.5, per level, by double
    backward (the Java model forms the same gradient from first-order passes); Adam (0, 0.9), learning rates decayed
    linearly to 0 over the preset's 600 iterations. The penalty's D(real) pass also gives the adversarial real logits
    (as TGANv2's updater; the Java model runs D on the real levels twice)."""

    LAMBDA = 0.5
    ITERATIONS = 600

    def __init__(self, p, kind):
        if p.name != "cpu-small":
            raise SystemExit("TGANv2 is written here at cpu-small only (the scaled architecture)")
        self.p = p
        self.renderer = TganV2Renderer(p.latent, p.width, p.size, p.channels)
        self.gt = temporal(p, kind, lambda: ConvLstmGt(self.renderer.base, 4, p.frames))
        self.levels = self.renderer.levels
        self.batches = [max(1, p.batch >> level) for level in range(self.levels)]
        self.sizes = [(p.size >> (self.levels - 1)) << level for level in range(self.levels)]
        self.ds = nn.ModuleList(tganv2_level_d(s, p.width, p.channels) for s in self.sizes)
        init(self.gt, xavier_sqrt2 if kind != "original" else nn.init.xavier_uniform_)
        for n in (self.renderer, self.ds):
            init(n, nn.init.xavier_uniform_)
            for name, w in n.named_parameters():
                if name.endswith(("conv1.weight", "conv2.weight")):
                    with torch.no_grad():
                        xavier_sqrt2(w)
        self.g = nn.ModuleDict({"temporal": self.gt, "renderer": self.renderer})
        self.g.train()
        self.ds.train()
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=p.lr, betas=(0.0, 0.9))
        self.opt_d = torch.optim.Adam(self.ds.parameters(), lr=p.lr, betas=(0.0, 0.9))
        self.kind = kind

    def params(self):
        return {"G_t": count(self.gt), "G": count(self.g), "D": count(self.ds)}

    def offsets(self):
        o, t = [0], self.p.frames
        for _ in range(1, self.levels):
            o.append(int(torch.randint(0, min(2, t), ())))
            t = (t - o[-1] + 1) // 2
        return o

    def fakes(self):
        z = torch.rand(self.p.batch, self.p.latent) * 2 - 1
        if self.kind == "original":
            maps = self.gt(self.renderer.fc(z))
        else:
            zt = self.gt(z)
            b, t = zt.shape[:2]
            maps = self.renderer.fc(zt.reshape(b * t, -1)).view(b, t, -1)
        return self.renderer(maps, self.offsets(), self.batches)

    def pyramid(self, real):
        out, v, offsets = [], real, self.offsets()
        for level in range(self.levels):
            if level > 0:
                v = v[:self.batches[level], :, offsets[level]::2]
            f = self.p.size // self.sizes[level]
            out.append(F.avg_pool3d(v, (1, f, f)) if f > 1 else v)
        return out

    def step(self, real, iteration):
        decay = max(0.0, 1 - iteration / self.ITERATIONS)
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] = self.p.lr * decay
        fakes = self.fakes()
        reals = self.pyramid(real)
        self.opt_d.zero_grad()
        y_real, y_fake, gp = [], [], 0
        for d, x, f in zip(self.ds, reals, fakes):
            x = x.detach().requires_grad_(True)
            y = d(x)
            g, = torch.autograd.grad(y.sum(), x, create_graph=True)
            gp = gp + self.LAMBDA * g.pow(2).sum()
            y_real.append(y)
            y_fake.append(d(f.detach()))
        adv = F.softplus(-torch.cat(y_real)).mean() + F.softplus(torch.cat(y_fake)).mean()
        (adv + gp).backward()
        self.opt_d.step()
        self.opt_g.zero_grad()
        loss_g = F.softplus(-torch.cat([d(f) for d, f in zip(self.ds, fakes)])).mean()
        loss_g.backward()
        self.opt_g.step()
        a = adv.item()
        g = gp.item()
        return {"d_loss": a + g, "g_loss": loss_g.item(), "d_adv_loss": a, "gp": g}


# ---- main ------------------------------------------------------------------------------------------------------

def build(config, preset, batch):
    """(model, kind, preset, the GAN) for MODEL:KIND[:linear]."""
    parts = config.split(":")
    model, kind = parts[0], parts[1]
    if len(parts) > 2 and parts[2] != "linear":
        raise SystemExit("only f = linear is implemented here")
    if model not in ("tgan", "mocogan", "tganv2"):
        raise SystemExit(f"model {model!r}: tgan, mocogan or tganv2 (cpu-small only)")
    p = Preset(preset, model, kind, batch)
    return model, kind, p, {"tgan": Tgan, "mocogan": MoCoGan, "tganv2": TganV2}[model](p, kind)


def counts(gan):
    """Trainable-parameter counts as StepBench prints them: G_t:N,G:N,D:N (or DI, DV)."""
    return ",".join(f"{k}:{v}" for k, v in gan.params().items())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", nargs="+", help="MODEL:KIND, e.g. tgan:ode1 (several with --params-only)")
    ap.add_argument("--preset", default="cpu-small", help="cpu-small or gpu-paper (Presets.java)")
    ap.add_argument("--batch", type=int, default=0, help="batch size instead of the preset's (StepBench --batch)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--expect", default=None, help="expected trainable-parameter counts, NAME=N,… (the Java model's)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", default=None, help="Chrome trace of the timed steps (autograd profiler)")
    ap.add_argument("--ops", default=None, help="Chrome trace of one more iteration after the timed ones")
    ap.add_argument("--params-only", action="store_true",
                    help="build each config and print its counts (PARAMS config=… params=…), no steps")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    if a.params_only:
        for c in a.config:
            print(f"PARAMS config={c} preset={a.preset} params={counts(build(c, a.preset, a.batch)[3])}")
        return
    if len(a.config) != 1:
        raise SystemExit("one MODEL:KIND per run (several only with --params-only)")
    model, kind, p, gan = build(a.config[0], a.preset, a.batch)
    params = gan.params()
    params_str = counts(gan)
    if a.expect:
        expected = dict((k, int(v)) for k, v in (p.split("=") for p in a.expect.split(",")))
        if expected != params:
            print(f"PARAMETER COUNT MISMATCH for {a.config[0]}: PyTorch {params}, Java {expected}", file=sys.stderr)
            sys.exit(3)

    # Data: fixed synthetic batches in [-1, 1] made outside the timed region (the Java bench reads its synthetic
    # clips into a tensor before the timer starts, too). Values do not change the work of a step.
    batches = [torch.rand(p.batch, p.channels, p.frames, p.size, p.size) * 2 - 1 for _ in range(4)]
    ms = []
    prof = None
    cpu0 = 0.0
    for it in range(a.warmup + a.steps):
        if it == a.warmup:
            cpu0 = time.process_time()
        if a.profile and it == a.warmup:
            prof = torch.autograd.profiler.profile(record_shapes=True)
            prof.__enter__()
        real = batches[it % len(batches)]
        t0 = time.perf_counter()
        losses = gan.step(real, it)
        dt = (time.perf_counter() - t0) * 1e3
        if it >= a.warmup:
            ms.append(dt)
        if not all(math.isfinite(v) for v in losses.values()):
            raise SystemExit(f"non-finite loss at iteration {it}: {losses}")
    cpu_ms = (time.process_time() - cpu0) * 1e3 / a.steps
    if prof is not None:
        prof.__exit__(None, None, None)
        prof.export_chrome_trace(a.profile)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux; the timed steps' peak
    if a.ops:  # one more iteration, profiled apart from the timed ones
        it = a.warmup + a.steps
        real = batches[it % len(batches)]
        with torch.autograd.profiler.profile() as ops:
            gan.step(real, it)
        ops.export_chrome_trace(a.ops)
    med = statistics.median(ms)
    print(f"{a.config[0]:<16} {p.name} batch {p.batch} pytorch {torch.__version__} threads {torch.get_num_threads()}  "
          f"step median {med:7.1f} ms "
          f"(min {min(ms):7.1f}, max {max(ms):7.1f})  params {params}{' = Java' if a.expect else ''}  "
          f"peak RSS {rss_mb:,} MB")
    print(f"RESULT side=pytorch config={model}:{kind} preset={p.name} batch={p.batch} median_ms={med:.2f} "
          f"min_ms={min(ms):.2f} max_ms={max(ms):.2f} rss_mb={rss_mb} threads={torch.get_num_threads()} "
          f"params={params_str} cpu_ms={cpu_ms:.2f}")


if __name__ == "__main__":
    main()
