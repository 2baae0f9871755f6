"""The MatMul-free LM (HGRN-Bit) forward pass, written from ../shared/MODEL.md in
plain float32 PyTorch.

This file is the project's independent reference: it shares no code with the C#
compiler core or runtime and does not follow docs/numerics.md's operation order
on purpose (it uses torch's own reductions, exp and matmul). The C# targets must
match it within the tolerance stated in docs/numerics.md, not bit for bit.
"""
import torch

EPS = 1e-6


def rms_norm(x, weight, eps=EPS):
    r = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return x * r * weight


def round_half_away_from_zero(v):
    # float64 so that |v| + 0.5 is exact for every float32 v.
    v64 = v.double()
    return (torch.sign(v64) * torch.floor(v64.abs() + 0.5)).to(v.dtype)


def quantize_activations(y):
    """Per-token absmax int8 quantization: returns (q as float, scale s)."""
    s = 127.0 / y.abs().amax(-1, keepdim=True).clamp(min=1e-5)
    q = round_half_away_from_zero(y * s).clamp(-128, 127)
    return q, s


def ternarize(weight):
    """MODEL.md step 3, done once on a full-precision weight: (trits, beta)."""
    beta = weight.abs().mean().clamp(min=1e-5)
    trits = torch.round(weight / beta).clamp(-1, 1)  # torch.round: half to even
    return trits, beta


def bit_linear(x, norm_weight, trits, beta):
    y = rms_norm(x, norm_weight)
    q, s = quantize_activations(y)
    # Integer accumulation; float64 keeps every partial sum exact.
    acc = q.double() @ trits.double().t()
    return acc.float() * beta / s


def lower_bounds(param):
    s = torch.softmax(param, dim=0)
    return torch.cumsum(s, dim=0) - s[0]


class HgrnBitReference:
    """Holds a model as a dict of float32 tensors keyed by MODEL.md names.
    Ternary projections are given as (trits, beta) pairs under their weight name."""

    def __init__(self, config, tensors, ternary):
        self.config = config
        self.t = tensors
        self.ternary = ternary
        self.lb = lower_bounds(tensors["model.lower_bounds"])

    def _proj(self, name, x):
        trits, beta = self.ternary[name + ".weight"]
        return bit_linear(x, self.t[name + ".norm.weight"], trits, beta)

    def initial_state(self):
        L, H = self.config["layers"], self.config["hidden"]
        return [torch.zeros(H, dtype=torch.float32) for _ in range(L)]

    def step(self, token, state):
        cfg = self.config
        I = cfg["intermediate"]
        x = self.t["model.embeddings.weight"][token].clone()
        for l in range(cfg["layers"]):
            p = f"model.layers.{l}"
            xn = rms_norm(x, self.t[p + ".attn_norm.weight"])
            i = self._proj(p + ".attn.i_proj", xn)
            f = torch.sigmoid(self._proj(p + ".attn.f_proj", xn))
            if l > 0:
                f = self.lb[l] + (1 - self.lb[l]) * f
            c = torch.nn.functional.silu(i) * (1 - f)
            h = f * state[l] + c
            state[l] = h
            g = self._proj(p + ".attn.g_proj", xn)
            o = rms_norm(g, self.t[p + ".attn.g_norm.weight"]) * h * torch.sigmoid(h)
            x = x + self._proj(p + ".attn.o_proj", o)
            xm = rms_norm(x, self.t[p + ".mlp_norm.weight"])
            z = self._proj(p + ".mlp.gate_proj", xm)
            gate, up = z[:I], z[I:]
            x = x + self._proj(p + ".mlp.down_proj", torch.nn.functional.silu(gate) * up)
        x = rms_norm(x, self.t["model.norm.weight"])
        return self._proj("lm_head", x)

    def logits(self, tokens):
        state = self.initial_state()
        return torch.stack([self.step(t, state) for t in tokens])
