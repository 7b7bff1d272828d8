"""PyTorch versions of antbench's multi-task methods (src/mtl/), written the way the ANT / LibMTL code does
them: per-cluster losses l_i = mean of the per-sample losses of cluster i, gradients with autograd, the
combined gradient written into `param.grad`, then the shared Adam step (in parity.py / bench.py).

Every method exposes `step(model, per_sample_fn, clusters, k, step) -> (plain_loss, extra_logs)` which
leaves the combined gradient in `p.grad` for every parameter of `model`.
"""
import numpy as np
import torch


def _groups(cluster, k):
    return [np.nonzero(cluster == i)[0] for i in range(k)]


def _flat_grad(model):
    return torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                      for p in model.parameters()])


def _set_flat_grad(model, flat):
    off = 0
    for p in model.parameters():
        n = p.numel()
        p.grad = flat[off:off + n].reshape(p.shape).clone()
        off += n


def cluster_gradients(model, per_sample_fn, cluster, k, scale=1.0):
    """Flat gradients of scale * l_i for every non-empty cluster i, their losses (detached), the task list
    and the sample counts. As the ANT code: one forward pass over the batch, then one backward pass per
    cluster with retain_graph (antbench runs a forward and backward pass per cluster instead; the two are
    the same function because no layer mixes samples)."""
    params = [p for p in model.parameters()]
    per = per_sample_fn(None)
    groups = [(i, idx) for i, idx in enumerate(_groups(cluster, k)) if len(idx) > 0]
    tasks, grads, losses, counts = [], [], [], []
    for n, (i, idx) in enumerate(groups):
        li = per[torch.from_numpy(idx)].mean()
        g = torch.autograd.grad(li * scale, params, retain_graph=n < len(groups) - 1, allow_unused=True)
        tasks.append(i)
        grads.append(torch.cat([(gp if gp is not None else torch.zeros_like(p)).reshape(-1)
                                for gp, p in zip(g, params)]))
        losses.append(li.detach())
        counts.append(len(idx))
    model.zero_grad(set_to_none=True)
    return tasks, grads, losses, counts


def _plain(losses, counts):
    return float(sum(l * n for l, n in zip(losses, counts)) / sum(counts))


class Vanilla:
    """mean of the per-sample losses (Ho et al. 2020, L_simple)."""

    def __init__(self, options, k, n_steps):
        pass

    def step(self, model, per_sample_fn, cluster, k, step):
        model.zero_grad(set_to_none=True)
        loss = per_sample_fn(None).mean()
        loss.backward()
        return float(loss.detach()), {}


class PCGrad:
    """ANT-PCGrad / LibMTL: g_i = grad(l_i / k); for each i, visit j in the given order; if g'_i . g_j < 0,
    g'_i -= (g'_i . g_j / |g_j|^2) g_j (projection onto the original g_j); update = sum_i g'_i.
    The orders come from antbench's exported stream (rngFor(seed, "pcgrad:order", step))."""

    def __init__(self, options, k, n_steps, orders=None):
        self.orders = orders
        self.projections = 0

    def summary(self):
        return {"projections": self.projections}

    def step(self, model, per_sample_fn, cluster, k, step):
        tasks, g, losses, counts = cluster_gradients(model, per_sample_fn, cluster, k, scale=1.0 / k)
        m = len(tasks)
        orders = self.orders[step] if self.orders is not None else [
            list(np.random.permutation([j for j in range(m) if j != i])) for i in range(m)]
        total = torch.zeros_like(g[0])
        projections = 0
        for i in range(m):
            gi = g[i].clone()
            for j in orders[i]:
                nj = torch.dot(g[j], g[j])
                if not nj > 0:
                    continue
                d = torch.dot(gi, g[j])
                if d < 0:
                    gi = gi - (d / nj) * g[j]
                    projections += 1
            total = total + gi
        _set_flat_grad(model, total)
        self.projections += projections
        return _plain(losses, counts), {"projections": projections}


def nash_weights(gram, tol=1e-12, max_iter=500):
    """alpha > 0 with alpha_i (G alpha)_i = 1 on the RAW Gram matrix G = gram (Navon et al. 2022, Eq. 3; the
    official code's constraints -log(alpha_i nf) - log((G/nf alpha)_i) <= 0, tight at the optimum). Solved
    independently of antbench on M = G / |G|_F (a fixed point in log space refined by Newton on
    F(a) = a * (M a) - 1 with a positivity line search, all in float64), then alpha = a / sqrt(|G|_F)."""
    G = np.asarray(gram, dtype=np.float64)
    nf = np.linalg.norm(G)
    M = G / nf
    k = M.shape[0]
    alpha = 1.0 / np.sqrt(np.maximum(np.diag(M), 1e-300))
    for _ in range(max_iter):
        Ma = M @ alpha
        F = alpha * Ma - 1.0
        if np.max(np.abs(F)) < tol:
            break
        J = np.diag(Ma) + alpha[:, None] * M
        try:
            step = np.linalg.solve(J, -F)
        except np.linalg.LinAlgError:
            step = -F / np.maximum(np.diag(J), 1e-300)
        lam = 1.0
        f0 = np.sum(F * F)
        while lam > 1e-12:
            cand = alpha + lam * step
            if np.all(cand > 0):
                Fc = cand * (M @ cand) - 1.0
                if np.sum(Fc * Fc) < f0 or lam < 1e-6:
                    break
            lam /= 2
        alpha = cand
    residual = float(np.max(np.abs(alpha * (M @ alpha) - 1.0)))
    return alpha / np.sqrt(nf), nf, residual


class NashMTL:
    """ANT-NashMTL: every `updateEvery` steps alpha solves the official Nash system alpha_i (G alpha)_i = 1 on
    the raw Gram matrix of the per-cluster gradients grad(l_i); the update is grad(sum_i alpha_i l_i / k),
    clipped to a global norm of `maxNorm` (torch.nn.utils.clip_grad_norm_)."""

    def __init__(self, options, k, n_steps):
        self.every = int(options.get("updateEvery", 25))
        self.max_norm = float(options.get("maxNorm", 1.0))
        self.alpha = np.ones(k)  # as the official code; absent clusters keep their previous alpha
        self.solves = 0

    def summary(self):
        return {"alpha": [float(a) for a in self.alpha], "solves": self.solves}

    def step(self, model, per_sample_fn, cluster, k, step):
        if self.solves == 0 or step % self.every == 0:
            tasks, g, losses, counts = cluster_gradients(model, per_sample_fn, cluster, k)
            G = torch.stack(g).double()
            alpha, _, _ = nash_weights((G @ G.T).numpy())
            self.alpha[tasks] = alpha
            self.solves += 1
            w = torch.tensor(self.alpha[tasks] / k, dtype=g[0].dtype)
            _set_flat_grad(model, sum(w[a] * g[a] for a in range(len(tasks))))
            plain = _plain(losses, counts)
        else:
            # ANT: between solves, one backward of sum_i alpha_i l_i / k with the last alpha.
            model.zero_grad(set_to_none=True)
            per = per_sample_fn(None)
            total = 0
            for i, idx in enumerate(_groups(cluster, k)):
                if len(idx) > 0:
                    total = total + float(self.alpha[i]) / k * per[torch.from_numpy(idx)].mean()
            total.backward()
            plain = float(per.detach().mean())
        if self.max_norm > 0:
            torch.nn.utils.clip_grad_norm_(list(model.parameters()), self.max_norm)
        return plain, {"alpha": [float(a) for a in self.alpha]}


class UW:
    """ANT-UW (Kendall et al. 2018 with ANT's /k): total = sum_i 0.5 (exp(-s_i) l_i / k + s_i), s_i init 0,
    s_i trained by its own Adam with lr `lr` (0.025 in the ANT code)."""

    def __init__(self, options, k, n_steps):
        self.s = torch.zeros(k, requires_grad=True)
        self.opt = torch.optim.Adam([self.s], lr=float(options.get("lr", 0.025)), eps=1e-8,
                                    betas=(float(options.get("beta1", 0.9)), float(options.get("beta2", 0.999))))

    def summary(self):
        return {"s": [float(x) for x in self.s.detach()]}

    def step(self, model, per_sample_fn, cluster, k, step):
        model.zero_grad(set_to_none=True)
        self.opt.zero_grad(set_to_none=True)
        per = per_sample_fn(None)
        if self.s.dtype != per.dtype:
            with torch.no_grad():
                self.s = self.s.to(per.dtype).detach().requires_grad_(True)
            self.opt = torch.optim.Adam([self.s], **{kk: v for kk, v in self.opt.defaults.items()
                                                     if kk in ("lr", "betas", "eps")})
        total = 0
        losses, counts = [], []
        for i, idx in enumerate(_groups(cluster, k)):
            if len(idx) == 0:
                continue
            li = per[torch.from_numpy(idx)].mean()
            total = total + 0.5 * (torch.exp(-self.s[i]) * li / k + self.s[i])
            losses.append(li.detach())
            counts.append(len(idx))
        total.backward()
        self.opt.step()
        return float(per.detach().mean()), {"s": [float(x) for x in self.s.detach()]}


METHODS = {"vanilla": Vanilla, "pcgrad": PCGrad, "nashmtl": NashMTL, "uw": UW}
