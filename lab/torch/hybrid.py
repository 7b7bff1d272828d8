"""PyTorch reference of antbench's hybrid loss (src/diffusion/hybrid_loss.ts, learned_variance.ts,
gaussian_nll.ts): the per-sample training loss of a denoiser with learned variance, mse + vb, as
improved-diffusion / DiT / ANT compute it (`training_losses` with LossType.MSE and LEARNED_RANGE):

  model output [B, 2C, H, W] -> eps_hat, v (split on the channel dim);
  mse = mean_flat((noise - eps_hat)^2);
  the model's p(x_{t-1} | x_t) has mean mu(eps_hat.detach()) (the posterior mean at
  x0_hat = sqrt(1/ab) x_t - sqrt(1/ab - 1) eps_hat, no clipping) and log-variance
  frac log(beta_t) + (1 - frac) log(beta~_t) (clipped at t = 0 to beta~_1), frac = (v + 1) / 2;
  vb = mean_flat(KL(q(x_{t-1} | x_t, x_0) || p)) / ln 2 for t > 0, mean_flat(-log p(x_0 | x_1)) / ln 2 at t = 0
  (the discretised Gaussian decoder with the tanh-approximate CDF, 8-bit bins on [-1, 1]).

Written from the formulas, in torch, independently of the TypeScript kernel. Constants are computed in
float64 numpy from the betas and cast to the tensors' dtype.
"""
import math

import numpy as np
import torch


class Tables:
    """Per-timestep constants of the diffusion process with betas `betas` (float64 numpy)."""

    def __init__(self, betas):
        betas = np.asarray(betas, dtype=np.float64)
        ab = np.cumprod(1.0 - betas)
        prev = np.append(1.0, ab[:-1])
        post = betas * (1.0 - prev) / (1.0 - ab)
        self.log_beta = np.log(betas)
        self.post_log_clipped = np.log(np.append(post[1], post[1:]))
        self.coef1 = betas * np.sqrt(prev) / (1.0 - ab)
        self.coef2 = (1.0 - prev) * np.sqrt(1.0 - betas) / (1.0 - ab)
        self.sqrt_recip = np.sqrt(1.0 / ab)
        self.sqrt_recipm1 = np.sqrt(1.0 / ab - 1.0)


def _take(arr, t, like):
    return torch.from_numpy(arr[t.numpy()]).to(like.dtype).reshape((-1,) + (1,) * (like.ndim - 1))


def mean_flat(x):
    return x.reshape(x.shape[0], -1).mean(dim=1)


def normal_kl(m1, l1, m2, l2):
    return 0.5 * (-1.0 + l2 - l1 + torch.exp(l1 - l2) + (m1 - m2) ** 2 * torch.exp(-l2))


def approx_cdf(u):
    return 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (u + 0.044715 * u ** 3)))


def discretized_log_likelihood(x, mean, log_scale):
    inv = torch.exp(-log_scale)
    c = x - mean
    cdf_plus = approx_cdf(inv * (c + 1.0 / 255.0))
    cdf_min = approx_cdf(inv * (c - 1.0 / 255.0))
    log_plus = torch.log(cdf_plus.clamp(min=1e-12))
    log_tail = torch.log((1.0 - cdf_min).clamp(min=1e-12))
    log_delta = torch.log((cdf_plus - cdf_min).clamp(min=1e-12))
    return torch.where(x < -0.999, log_plus, torch.where(x > 0.999, log_tail, log_delta))


def hybrid_terms(out, x0, noise, xt, t, tables):
    """(mse [B], vb [B]) for model output `out` [B, 2C, ...] (NCHW) at integer timesteps t [B]."""
    C = x0.shape[1]
    eps, v = torch.split(out, C, dim=1)
    mse = mean_flat((noise - eps) ** 2)
    c1, c2 = _take(tables.coef1, t, x0), _take(tables.coef2, t, x0)
    sra, srm1 = _take(tables.sqrt_recip, t, x0), _take(tables.sqrt_recipm1, t, x0)
    lvq, lb = _take(tables.post_log_clipped, t, x0), _take(tables.log_beta, t, x0)
    x0_hat = sra * xt - srm1 * eps.detach()
    mean = c1 * x0_hat + c2 * xt
    frac = (v + 1.0) / 2.0
    lv = frac * lb + (1.0 - frac) * lvq
    true_mean = c1 * x0 + c2 * xt
    kl = mean_flat(normal_kl(true_mean, lvq, mean, lv)) / math.log(2.0)
    nll = mean_flat(-discretized_log_likelihood(x0, mean, 0.5 * lv)) / math.log(2.0)
    vb = torch.where(t.to(kl.device) == 0, nll, kl)
    return mse, vb


def training_loss(model, alpha_bar, tables, x0, noise, t, learn_sigma):
    """Per-sample training loss [B]: the eps-MSE, or mse + vb with learned variance (ANT's loss_dict["loss"])."""
    ab = alpha_bar[t.numpy()]
    shape = (-1,) + (1,) * (x0.ndim - 1)
    a = torch.from_numpy(np.sqrt(ab)).to(x0.dtype).reshape(shape)
    s = torch.from_numpy(np.sqrt(1 - ab)).to(x0.dtype).reshape(shape)
    xt = a * x0 + s * noise
    out = model(xt, t.to(x0.dtype))
    if not learn_sigma:
        return mean_flat((out - noise) ** 2)
    mse, vb = hybrid_terms(out, x0, noise, xt, t, tables)
    return mse + vb
