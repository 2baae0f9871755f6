"""The MatMul-free LM (HGRN-Bit) forward pass, written from docs/model.md in
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


class RoundingTies:
    """Finds the int8 roundings of a run whose input v = y*s lies within `ulps`
    float32 spacings of a tie (x.5), and can replay a run with one of them
    rounded the other way.

    Two correct float32 implementations differ in the last bits of their sums
    (RMSNorm, exp), so an activation that sits this close to x.5 may round
    either way in either of them; the logits then differ by far more than float
    noise. Golden files record, per step, how far the logits move when such a
    rounding goes the other way (reference.py's tie_allowance), and tests allow
    that much on top of their tolerance at those steps only."""

    def __init__(self, ulps=8):
        self.ulps = ulps
        self.calls = 0
        self.near = []      # (call, element) of every near tie seen
        self.flip = None    # (call, element) to round the other way

    def round(self, v):
        call = self.calls
        self.calls += 1
        q = round_half_away_from_zero(v)
        a32 = v.abs()
        spacing = (torch.nextafter(a32, torch.full_like(a32, float("inf"))) - a32).double()
        a = a32.double()
        frac = a - a.floor()
        for k in ((frac - 0.5).abs() <= self.ulps * spacing).nonzero().flatten().tolist():
            self.near.append((call, k))
        if self.flip is not None and self.flip[0] == call:
            k = self.flip[1]
            lo = torch.floor(v[k].double()).to(v.dtype)
            q[k] = lo + 1 if q[k] == lo else lo
        return q


ties = None  # a RoundingTies while one watches a run


def quantize_activations(y):
    """Per-token absmax int8 quantization: returns (q as float, scale s)."""
    s = 127.0 / y.abs().amax(-1, keepdim=True).clamp(min=1e-5)
    v = y * s
    q = (ties.round(v) if ties is not None else round_half_away_from_zero(v)).clamp(-128, 127)
    return q, s


def ternarize(weight, mean_in_float64=False):
    """docs/model.md step 3, done once on a full-precision weight: (trits, beta).

    torch's float32 mean may differ from the exact mean in the last bit, and a
    one-ulp change of beta can move an activation across an int8 rounding
    boundary later. Converters (mmf convert) sum in float64 and round once;
    mean_in_float64=True computes the same beta for their golden data."""
    if mean_in_float64:
        beta = weight.double().abs().mean().float().clamp(min=1e-5)
    else:
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
    """Holds a model as a dict of float32 tensors keyed by docs/model.md names.
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

    def logits_with_tie_allowance(self, tokens, ulps=8):
        """The logits, and per step the largest change of any logit when one of the
        run's near-tie int8 roundings goes the other way (0 where none matters)."""
        global ties
        try:
            ties = RoundingTies(ulps)
            base = self.logits(tokens)
            events = list(ties.near)
            allowance = torch.zeros(len(tokens), dtype=torch.float64)
            for event in events:
                ties = RoundingTies(ulps)
                ties.flip = event
                alternative = self.logits(tokens)
                allowance = torch.maximum(allowance, (alternative - base).abs().amax(-1).double())
        finally:
            ties = None
        return base, allowance, len(events)
