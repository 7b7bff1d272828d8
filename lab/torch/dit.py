"""PyTorch mirror of antbench's DiT (src/models/dit.ts), written the way facebookresearch/DiT `models.py`
writes it: NCHW, a stride-p nn.Conv2d patch embedding, nn.LayerNorm(elementwise_affine=False, eps=1e-6),
timm-style attention (one qkv Linear, reshape(B, N, 3, H, d).permute(2, 0, 3, 1, 4)), nn.GELU("tanh"),
adaLN modulation as SiLU + Linear(D, 6D) chunked in six, the final layer and `unpatchify`
(einsum 'nhwpqc->nchpwq'). Unconditional (no label embedding); the timestep embedding is antbench's
[sin, cos] (reference.timestep_embedding) of width freqDim.

Weights come from antbench (linear [in, out], the patch embedding [p·p·C, D] with rows ordered
(row, col, channel)) and are converted on load, so parity also checks the patch and token layouts.
"""
import numpy as np
import torch
import torch.nn as nn

from reference import timestep_embedding


def sincos_pos_embed(D, gh, gw):
    """MAE/DiT get_2d_sincos_pos_embed for a gh x gw grid: [emb(col), emb(row)], emb = [sin, cos]."""
    grid_w, grid_h = np.meshgrid(np.arange(gw, dtype=np.float64), np.arange(gh, dtype=np.float64))

    def one(dim, pos):
        omega = 1.0 / 10000 ** (np.arange(dim // 2, dtype=np.float64) / (dim / 2.0))
        out = np.einsum("m,d->md", pos.reshape(-1), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    return np.concatenate([one(D // 2, grid_w), one(D // 2, grid_h)], axis=1)


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class Attention(nn.Module):
    def __init__(self, D, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(D, 3 * D)
        self.proj = nn.Linear(D, D)

    def forward(self, x):
        B, N, D = x.shape
        d = D // self.heads
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        att = torch.softmax((q * d ** -0.5) @ k.transpose(-2, -1), dim=-1)
        return self.proj((att @ v).transpose(1, 2).reshape(B, N, D))


class Block(nn.Module):
    def __init__(self, D, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(D, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(D, heads)
        self.norm2 = nn.LayerNorm(D, elementwise_affine=False, eps=1e-6)
        hidden = int(D * mlp_ratio)
        self.fc1, self.act, self.fc2 = nn.Linear(D, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, D)
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(D, 6 * D))

    def forward(self, x, c):
        sh1, sc1, g1, sh2, sc2, g2 = self.ada(c).chunk(6, dim=1)
        x = x + g1.unsqueeze(1) * self.attn(modulate(self.norm1(x), sh1, sc1))
        return x + g2.unsqueeze(1) * self.fc2(self.act(self.fc1(modulate(self.norm2(x), sh2, sc2))))


class DiT(nn.Module):
    def __init__(self, data_shape, patch=2, hidden=64, depth=4, heads=4, mlpRatio=4, learnSigma=True,
                 freqDim=256):
        super().__init__()
        h, w, c = data_shape
        self.p, self.c, self.freq = patch, c, freqDim
        self.c_out = 2 * c if learnSigma else c
        self.gh, self.gw = h // patch, w // patch
        D = hidden
        self.x_embedder = nn.Conv2d(c, D, patch, stride=patch)
        self.register_buffer("pos", torch.from_numpy(sincos_pos_embed(D, self.gh, self.gw)).float()[None])
        self.t1, self.t2 = nn.Linear(freqDim, D), nn.Linear(D, D)
        self.blocks = nn.ModuleList([Block(D, heads, mlpRatio) for _ in range(depth)])
        self.norm_final = nn.LayerNorm(D, elementwise_affine=False, eps=1e-6)
        self.final_ada = nn.Sequential(nn.SiLU(), nn.Linear(D, 2 * D))
        self.final = nn.Linear(D, patch * patch * self.c_out)
        order = [("x_embedder", self.x_embedder), ("t_embedder.mlp0", self.t1), ("t_embedder.mlp2", self.t2)]
        for i, b in enumerate(self.blocks):
            order += [(f"blocks.{i}.adaLN", b.ada[1]), (f"blocks.{i}.attn.qkv", b.attn.qkv),
                      (f"blocks.{i}.attn.proj", b.attn.proj), (f"blocks.{i}.mlp.fc1", b.fc1),
                      (f"blocks.{i}.mlp.fc2", b.fc2)]
        order += [("final.adaLN", self.final_ada[1]), ("final.linear", self.final)]
        self._layers = order

    def unpatchify(self, x):
        n, p = x.shape[0], self.p
        x = x.reshape(n, self.gh, self.gw, p, p, self.c_out)
        return torch.einsum("nhwpqc->nchpwq", x).reshape(n, self.c_out, self.gh * p, self.gw * p)

    def forward(self, x, t):
        tokens = self.x_embedder(x).flatten(2).transpose(1, 2) + self.pos  # [B, N, D], row-major patches
        c = self.t2(torch.nn.functional.silu(self.t1(timestep_embedding(t, self.freq))))
        for b in self.blocks:
            tokens = b(tokens, c)
        shift, scale = self.final_ada(c).chunk(2, dim=1)
        return self.unpatchify(self.final(modulate(self.norm_final(tokens), shift, scale)))

    # antbench's variable order and layouts ------------------------------------------------------------
    def antbench_names(self):
        return [f"{name}.{s}" for name, _ in self._layers for s in ("w", "b")]

    def _patch_to_torch(self, a):
        """[p·p·C, D] (rows (row, col, channel)) -> conv weight [D, C, p, p]."""
        return a.reshape(self.p, self.p, self.c, -1).transpose(3, 2, 0, 1)

    def load_antbench(self, arrays):
        it = iter(arrays)
        with torch.no_grad():
            for name, layer in self._layers:
                w, b = next(it), next(it)
                w = self._patch_to_torch(w) if name == "x_embedder" else w.T
                layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
                layer.bias.copy_(torch.from_numpy(b))

    def _to_antbench(self, name, w):
        if name == "x_embedder":
            return w.permute(2, 3, 1, 0).reshape(-1, w.shape[0])
        return w.T

    def antbench_grads(self):
        out = []
        for name, layer in self._layers:
            out += [self._to_antbench(name, layer.weight.grad), layer.bias.grad]
        return out

    def antbench_params(self):
        out = []
        for name, layer in self._layers:
            out += [self._to_antbench(name, layer.weight), layer.bias]
        return out
