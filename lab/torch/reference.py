"""PyTorch reference of antbench's training computation, written to mirror antbench exactly.

Mirrors (TypeScript source -> here):
  src/diffusion/schedule.ts      -> make_schedule (linear / cosine betas, alpha-bar in float64)
  src/models/time_embedding.ts   -> timestep_embedding
  src/models/mlp.ts              -> MLP
  src/models/unet.ts (+ layers)  -> UNet (ResBlocks with GroupNorm/SiLU, AdaGN, self-attention, skips)
  src/diffusion/forward.ts, loss.ts -> eps_loss (per-sample epsilon MSE, Ho et al. 2020 Eq. 14)
  src/diffusion/hybrid_loss.ts   -> hybrid.py (mse + vb with learned variance, Nichol & Dhariwal 2021)
  src/models/dit.ts (+ adaln.ts) -> dit.py
  src/diffusion/ema.ts           -> Ema (decay warm-up min(d, (1+s)/(10+s)))
  src/mtl/*.ts                   -> methods.py

The models use PyTorch's own layouts and layers (NCHW, nn.Conv2d weights [out, in, kh, kw], nn.Linear
weights [out, in], nn.GroupNorm), so parity also checks antbench's layout conventions: antbench weights
([kh, kw, in, out] and [in, out], NHWC data) are converted on load by `load_antbench_weights`.

Run with Debian's python3-torch: /usr/bin/python3 (a pyenv `python3` on PATH usually lacks torch).
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------------------------------------
# Noise schedules (src/diffusion/schedule.ts)

def make_schedule(kind, T):
    """alpha-bar_t, t = 0..T-1, in float64 (Ho et al. 2020; Nichol & Dhariwal 2021 Eq. 17)."""
    return np.cumprod(1.0 - make_betas(kind, T))


def make_betas(kind, T):
    """beta_t, t = 0..T-1, in float64."""
    if kind == "linear":
        betas = np.array([1e-4 + (0.02 - 1e-4) * (i / (T - 1)) for i in range(T)]) if T > 1 else np.array([1e-4])
    elif kind == "cosine":
        s = 0.008
        f = lambda u: math.cos(((u + s) / (1 + s)) * math.pi / 2) ** 2  # noqa: E731
        betas = np.array([min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)])
    else:
        raise ValueError(f"unknown schedule {kind!r}")
    return betas


# ----------------------------------------------------------------------------------------------------------
# Time embedding (src/models/time_embedding.ts)

def timestep_embedding(t, dim, max_period=10000.0):
    """[B] float timesteps -> [B, dim]: [sin(t w_i), cos(t w_i)], w_i = max_period^(-i/h) (as float32)."""
    h = dim // 2
    freqs = torch.tensor([math.exp(-math.log(max_period) * i / h) for i in range(h)], dtype=torch.float64)
    freqs = freqs.to(t.dtype)
    args = t[:, None] * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


# ----------------------------------------------------------------------------------------------------------
# MLP (src/models/mlp.ts): first layer Linear(d + timeDim, H) over [x, emb(t)], then depth-1 hidden layers.

class MLP(nn.Module):
    def __init__(self, d, hidden=128, depth=3, timeDim=32, activation="relu"):
        super().__init__()
        self.time_dim = timeDim
        self.act = F.relu if activation == "relu" else F.silu
        self.layers = nn.ModuleList([nn.Linear(d + timeDim, hidden)])
        for _ in range(depth - 1):
            self.layers.append(nn.Linear(hidden, hidden))
        self.out = nn.Linear(hidden, d)

    def forward(self, x, t):
        h = torch.cat([x, timestep_embedding(t, self.time_dim)], dim=1)
        for layer in self.layers:
            h = self.act(layer(h))
        return self.out(h)

    def antbench_names(self):
        """antbench's variable order: W_x, W_t, b_1, (W_i, b_i) for i >= 2, W_out, b_out."""
        names = ["l0.wx", "l0.wt", "l0.b"]
        for i in range(1, len(self.layers)):
            names += [f"l{i}.w", f"l{i}.b"]
        return names + ["out.w", "out.b"]

    def load_antbench(self, arrays):
        """arrays: numpy float arrays in antbench's variable order and shapes ([in, out] weights)."""
        it = iter(arrays)
        with torch.no_grad():
            wx, wt, b = next(it), next(it), next(it)
            self.layers[0].weight.copy_(torch.from_numpy(np.concatenate([wx, wt], 0).T.copy()))
            self.layers[0].bias.copy_(torch.from_numpy(b))
            for layer in list(self.layers[1:]) + [self.out]:
                layer.weight.copy_(torch.from_numpy(next(it).T.copy()))
                layer.bias.copy_(torch.from_numpy(next(it)))

    def antbench_grads(self):
        """Gradients in antbench's variable order and layouts (inverse of load_antbench)."""
        d = self.out.weight.shape[0]
        g0 = self.layers[0].weight.grad.T
        out = [g0[:d], g0[d:], self.layers[0].bias.grad]
        for layer in list(self.layers[1:]) + [self.out]:
            out += [layer.weight.grad.T, layer.bias.grad]
        return out

    def antbench_params(self):
        d = self.out.weight.shape[0]
        w0 = self.layers[0].weight.T
        out = [w0[:d], w0[d:], self.layers[0].bias]
        for layer in list(self.layers[1:]) + [self.out]:
            out += [layer.weight.T, layer.bias]
        return out


# ----------------------------------------------------------------------------------------------------------
# U-Net (src/models/unet.ts, src/models/layers/group_norm.ts, attention.ts), NCHW.

class ResBlock(nn.Module):
    def __init__(self, cin, cout, E, groups, scale_shift):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb_scale = nn.Linear(E, cout)
        self.emb_shift = nn.Linear(E, cout) if scale_shift else None
        self.norm2 = nn.GroupNorm(groups, cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        e = self.emb_scale(emb)[:, :, None, None]
        if self.emb_shift is not None:
            h = self.norm2(h) * (1 + e) + self.emb_shift(emb)[:, :, None, None]
        else:
            h = self.norm2(h + e)
        h = self.conv2(F.silu(h))
        return (self.skip(x) if self.skip is not None else x) + h

    def named_order(self, prefix):
        """(antbench name, torch parameter) in antbench's construction order."""
        out = [(f"{prefix}.norm1.gamma", self.norm1.weight), (f"{prefix}.norm1.beta", self.norm1.bias),
               (f"{prefix}.conv1.w", self.conv1.weight), (f"{prefix}.conv1.b", self.conv1.bias)]
        emb = "emb_scale" if self.emb_shift is not None else "emb"
        out += [(f"{prefix}.{emb}.w", self.emb_scale.weight), (f"{prefix}.{emb}.b", self.emb_scale.bias)]
        if self.emb_shift is not None:
            out += [(f"{prefix}.emb_shift.w", self.emb_shift.weight), (f"{prefix}.emb_shift.b", self.emb_shift.bias)]
        out += [(f"{prefix}.norm2.gamma", self.norm2.weight), (f"{prefix}.norm2.beta", self.norm2.bias),
                (f"{prefix}.conv2.w", self.conv2.weight), (f"{prefix}.conv2.b", self.conv2.bias)]
        if self.skip is not None:
            out += [(f"{prefix}.skip.w", self.skip.weight), (f"{prefix}.skip.b", self.skip.bias)]
        return out


class Attention(nn.Module):
    def __init__(self, c, heads, groups):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups, c, eps=1e-5)
        self.q, self.k, self.v = nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c)
        self.proj = nn.Linear(c, c)

    def forward(self, x):
        b, c, hh, ww = x.shape
        n, nh = hh * ww, self.heads
        d = c // nh
        flat = self.norm(x).permute(0, 2, 3, 1).reshape(b, n, c)  # positions in row-major (h, w) order

        def split(y):
            return y.reshape(b, n, nh, d).permute(0, 2, 1, 3)  # [b, heads, n, d]

        q, k, v = split(self.q(flat)), split(self.k(flat)), split(self.v(flat))
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1)
        out = (w @ v).permute(0, 2, 1, 3).reshape(b, n, c)
        y = self.proj(out).reshape(b, hh, ww, c).permute(0, 3, 1, 2)
        return x + y

    def named_order(self, prefix):
        out = [(f"{prefix}.norm.gamma", self.norm.weight), (f"{prefix}.norm.beta", self.norm.bias)]
        for nm in ("q", "k", "v", "proj"):
            lin = getattr(self, nm)
            out += [(f"{prefix}.{nm}.w", lin.weight), (f"{prefix}.{nm}.b", lin.bias)]
        return out


class Resample(nn.Module):
    def __init__(self, kind, c, conv):
        super().__init__()
        self.kind = kind
        self.conv = nn.Conv2d(c, c, 3, padding=1) if conv else None

    def forward(self, x):
        y = F.avg_pool2d(x, 2) if self.kind == "down" else F.interpolate(x, scale_factor=2, mode="nearest")
        return self.conv(y) if self.conv is not None else y

    def named_order(self, prefix):
        return [] if self.conv is None else [(f"{prefix}.w", self.conv.weight), (f"{prefix}.b", self.conv.bias)]


class UNet(nn.Module):
    def __init__(self, data_shape, channels=32, channelMult=(1, 2), numResBlocks=1, attentionResolutions=(),
                 midAttention=True, attentionHeads=1, groups=8, scaleShiftNorm=True, resample="conv",
                 timeEmbedMult=4, learnSigma=False):
        super().__init__()
        h, _, c_data = data_shape
        C, E = channels, timeEmbedMult * channels
        self.C = C
        order = []  # (antbench name, parameter) in construction order
        self.time1, self.time2 = nn.Linear(C, E), nn.Linear(E, E)
        order += [("time.lin1.w", self.time1.weight), ("time.lin1.b", self.time1.bias),
                  ("time.lin2.w", self.time2.weight), ("time.lin2.b", self.time2.bias)]
        self.in_conv = nn.Conv2d(c_data, C, 3, padding=1)
        order += [("in.conv.w", self.in_conv.weight), ("in.conv.b", self.in_conv.bias)]

        def res(name, cin, cout):
            m = ResBlock(cin, cout, E, groups, scaleShiftNorm)
            order.extend(m.named_order(name))
            return m

        def attn(name, c):
            m = Attention(c, attentionHeads, groups)
            order.extend(m.named_order(name))
            return m

        conv_resample = resample == "conv"
        self.down = nn.ModuleList()
        skips, cur, r, L = [C], C, h, len(channelMult)
        for lv in range(L):
            for i in range(numResBlocks):
                blocks = [res(f"down{lv}.{i}.res", cur, channelMult[lv] * C)]
                cur = channelMult[lv] * C
                if r in attentionResolutions:
                    blocks.append(attn(f"down{lv}.{i}.attn", cur))
                self.down.append(nn.ModuleList(blocks))
                skips.append(cur)
            if lv < L - 1:
                m = Resample("down", cur, conv_resample)
                order.extend(m.named_order(f"down{lv}.resample"))
                self.down.append(nn.ModuleList([m]))
                skips.append(cur)
                r //= 2
        mid = [res("mid.res1", cur, cur)]
        if midAttention:
            mid.append(attn("mid.attn", cur))
        mid.append(res("mid.res2", cur, cur))
        self.mid = nn.ModuleList(mid)
        self.up = nn.ModuleList()
        for lv in range(L - 1, -1, -1):
            for i in range(numResBlocks + 1):
                skip = skips.pop()
                blocks = [res(f"up{lv}.{i}.res", cur + skip, channelMult[lv] * C)]
                cur = channelMult[lv] * C
                if r in attentionResolutions:
                    blocks.append(attn(f"up{lv}.{i}.attn", cur))
                if lv > 0 and i == numResBlocks:
                    m = Resample("up", cur, conv_resample)
                    order.extend(m.named_order(f"up{lv}.resample"))
                    blocks.append(m)
                    r *= 2
                self.up.append(nn.ModuleList(blocks))
        self.out_norm = nn.GroupNorm(groups, cur, eps=1e-5)
        self.out_conv = nn.Conv2d(cur, 2 * c_data if learnSigma else c_data, 3, padding=1)
        order += [("out.norm.gamma", self.out_norm.weight), ("out.norm.beta", self.out_norm.bias),
                  ("out.conv.w", self.out_conv.weight), ("out.conv.b", self.out_conv.bias)]
        self._order = order

    @staticmethod
    def _run(block, h, emb):
        return block(h, emb) if isinstance(block, ResBlock) else block(h)

    def forward(self, x, t):
        emb = F.silu(self.time2(F.silu(self.time1(timestep_embedding(t, self.C)))))
        h = self.in_conv(x)
        skips = [h]
        for blocks in self.down:
            for blk in blocks:
                h = self._run(blk, h, emb)
            skips.append(h)
        for blk in self.mid:
            h = self._run(blk, h, emb)
        for blocks in self.up:
            h = torch.cat([h, skips.pop()], dim=1)
            for blk in blocks:
                h = self._run(blk, h, emb)
        return self.out_conv(F.silu(self.out_norm(h)))

    def antbench_names(self):
        return [n for n, _ in self._order]

    def load_antbench(self, arrays):
        with torch.no_grad():
            for (_, p), a in zip(self._order, arrays):
                p.copy_(torch.from_numpy(to_torch_layout(a)))

    def antbench_grads(self):
        return [from_torch_layout(p.grad) for _, p in self._order]

    def antbench_params(self):
        return [from_torch_layout(p) for _, p in self._order]


def to_torch_layout(a):
    """antbench layout -> torch: conv [kh, kw, in, out] -> [out, in, kh, kw]; linear [in, out] -> [out, in]."""
    if a.ndim == 4:
        return np.ascontiguousarray(a.transpose(3, 2, 0, 1))
    if a.ndim == 2:
        return np.ascontiguousarray(a.T)
    return a


def from_torch_layout(p):
    if p.ndim == 4:
        return p.permute(2, 3, 1, 0)
    if p.ndim == 2:
        return p.T
    return p


def build_model(model_id, options, data_shape):
    if model_id == "mlp":
        return MLP(data_shape[0], **options)
    if model_id == "unet":
        return UNet(data_shape, **options)
    if model_id == "dit":
        from dit import DiT  # noqa: E402 (lab/torch/dit.py)
        return DiT(data_shape, **options)
    raise ValueError(f"unknown model {model_id!r}")


def to_model_input(x, model_id):
    """antbench data [B, ...dataShape] (NHWC for images) -> the torch model's layout (NCHW)."""
    return x.permute(0, 3, 1, 2).contiguous() if model_id in ("unet", "dit") else x


# ----------------------------------------------------------------------------------------------------------
# Loss (src/diffusion/forward.ts + loss.ts) and EMA (src/diffusion/ema.ts)

def eps_loss(model, alpha_bar, x0, noise, t):
    """Per-sample mean over data dims of (eps - model(sqrt(ab) x0 + sqrt(1-ab) eps, t))^2, shape [B]."""
    ab = alpha_bar[t.numpy()]
    shape = (-1,) + (1,) * (x0.ndim - 1)
    a = torch.from_numpy(np.sqrt(ab)).to(x0.dtype).reshape(shape)
    s = torch.from_numpy(np.sqrt(1 - ab)).to(x0.dtype).reshape(shape)
    xt = a * x0 + s * noise
    pred = model(xt, t.to(x0.dtype))
    return ((pred - noise) ** 2).reshape(x0.shape[0], -1).mean(dim=1)


class Ema:
    """shadow <- d shadow + (1 - d) theta, d = min(decay, (1 + step) / (10 + step))."""

    def __init__(self, params, decay):
        self.decay = decay
        self.shadow = [p.detach().clone() for p in params]

    def update(self, params, step):
        d = min(self.decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for s, p in zip(self.shadow, params):
                s.mul_(d).add_(p.detach(), alpha=1 - d)
