#!/usr/bin/python3
"""Trains the committed English sample: a small byte-level MatMul-free LM.

Quantization-aware training exactly as docs/model.md and the reference
model train it: every BitLinear normalizes its input (RMSNorm), quantizes the
activations to int8 per token (absmax, 127 levels) and its weight to ternary
(beta = mean|W|, round half to even, clamp to [-1, 1]); both quantizers pass
gradients straight through (the straight-through estimator). The latent
full-precision weights are trained; the exported manifest holds the ternary
weights and betas of the last step, so the exported model is the model whose
loss was measured.

  /usr/bin/python3 tools/training/brown_corpus.py /tmp/package -o /tmp/brown
  /usr/bin/python3 tools/training/train_sample.py --data /tmp/brown \
      --out samples/models/brown-l4-h128.mmf.json --card samples/models/brown-l4-h128

Needs Debian's python3-torch (torch 1.13) and, for a usable speed, OpenBLAS
(apt-get install -y libopenblas0-pthread: Debian's torch otherwise multiplies
with the reference BLAS, about 20x slower). CI never runs it; it uses the
committed manifest. The card folder receives loss.csv, loss.svg and
metrics.json; the exported model's logits are checked against the independent
reference (tools/reference/hgrn_bit.py) before the script succeeds.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
from hgrn_bit import EPS, HgrnBitReference, ternarize  # noqa: E402
from manifest_v1 import write_manifest  # noqa: E402

BYTE_OFFSET = 3
SPECIALS = {"<unk>": 0, "<s>": 1, "</s>": 2}
VOCAB = 256 + BYTE_OFFSET


def default_intermediate(hidden):
    return int(math.ceil(hidden * 4 * 2 / 3 / 256) * 256)


# ---------------------------------------------------------------- model ----

def rms_norm(x, weight):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * weight


def ste(value, quantized):
    """Forward: the quantized value. Backward: the identity (straight through)."""
    return value + (quantized - value).detach()


def quantize_activations(y):
    """Per-token absmax int8 (docs/model.md step 2): integer-valued q and the scale s,
    rounded half away from zero in float64 as the reference does."""
    s = 127.0 / y.abs().amax(-1, keepdim=True).clamp(min=1e-5)
    v = (y * s).double()
    q = (torch.sign(v) * torch.floor(v.abs() + 0.5)).clamp(-128, 127).to(y.dtype)
    return q, s


class BitLinear(torch.nn.Module):
    """Forward: acc = q . t in exact integers (float32 holds every |acc| < 2^24
    here), then acc * beta / s, the reference's order. Backward: straight
    through both quantizers, i.e. the gradient of F.linear(y, W); the scales
    s and beta are constants of the step, as in the reference training code."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(n_out, n_in) * 0.02)
        self.norm = torch.nn.Parameter(torch.ones(n_in))

    def forward(self, x):
        y = rms_norm(x, self.norm)
        q, s = quantize_activations(y.detach())
        beta = self.weight.detach().abs().mean().clamp(min=1e-5)
        t = torch.round(self.weight.detach() / beta).clamp(-1, 1)
        acc = F.linear(ste(y * s, q), ste(self.weight / beta, t))
        return acc * beta / s


def recurrence(f, c, h0, log_f, chunk=16):
    """h_t = f_t * h_(t-1) + c_t for all t of [B,T,H] inputs, in chunks: inside a
    chunk h_t = sum_(s<=t) exp(A_t - A_s) c_s + exp(A_t) h0 with A the running
    sum of log f (exponents are never positive, so nothing overflows). Equal to
    the step-by-step loop up to float rounding; far fewer autograd nodes."""
    outs = []
    h = h0
    for start in range(0, f.shape[1], chunk):
        lf, cc = log_f[:, start:start + chunk], c[:, start:start + chunk]
        a = torch.cumsum(lf, dim=1)                                   # [B,C,H]
        n = lf.shape[1]
        tri = torch.tril(torch.ones(n, n, dtype=torch.bool))
        diff = (a.unsqueeze(2) - a.unsqueeze(1)).masked_fill(~tri.view(1, n, n, 1), float("-inf"))
        hs = (torch.exp(diff) * cc.unsqueeze(1)).sum(2) + torch.exp(a) * h.unsqueeze(1)
        outs.append(hs)
        h = hs[:, -1]
    return torch.cat(outs, dim=1), h


class Block(torch.nn.Module):
    def __init__(self, hidden, intermediate):
        super().__init__()
        self.attn_norm = torch.nn.Parameter(torch.ones(hidden))
        self.i_proj, self.f_proj = BitLinear(hidden, hidden), BitLinear(hidden, hidden)
        self.g_proj, self.o_proj = BitLinear(hidden, hidden), BitLinear(hidden, hidden)
        self.g_norm = torch.nn.Parameter(torch.ones(hidden))
        self.mlp_norm = torch.nn.Parameter(torch.ones(hidden))
        self.gate_proj = BitLinear(hidden, 2 * intermediate)
        self.down_proj = BitLinear(intermediate, hidden)
        self.intermediate = intermediate

    def forward(self, x, h, lower_bound):
        """x: [B,T,H]; h: [B,H] state before the first step; returns (x, last h)."""
        xn = rms_norm(x, self.attn_norm)
        i = self.i_proj(xn)
        zf = self.f_proj(xn)
        f = torch.sigmoid(zf)
        if lower_bound is not None:
            f = lower_bound + (1 - lower_bound) * f
            log_f = torch.log(f)  # f >= lower_bound > 0
        else:
            log_f = F.logsigmoid(zf)
        c = F.silu(i) * (1 - f)
        hseq, h = recurrence(f, c, h, log_f)
        g = self.g_proj(xn)
        x = x + self.o_proj(rms_norm(g, self.g_norm) * hseq * torch.sigmoid(hseq))
        z = self.gate_proj(rms_norm(x, self.mlp_norm))
        gate, up = z[..., :self.intermediate], z[..., self.intermediate:]
        return x + self.down_proj(F.silu(gate) * up), h


class HgrnBitLM(torch.nn.Module):
    def __init__(self, layers, hidden, intermediate):
        super().__init__()
        self.hidden = hidden
        self.embeddings = torch.nn.Parameter(torch.randn(VOCAB, hidden) * 0.02)
        self.lower_bounds = torch.nn.Parameter(torch.zeros(layers, hidden))
        self.blocks = torch.nn.ModuleList(Block(hidden, intermediate) for _ in range(layers))
        self.norm = torch.nn.Parameter(torch.ones(hidden))
        self.lm_head = BitLinear(hidden, VOCAB)

    def initial_state(self, batch):
        return [torch.zeros(batch, self.hidden) for _ in self.blocks]

    def forward(self, tokens, state):
        s = torch.softmax(self.lower_bounds, dim=0)
        lb = torch.cumsum(s, dim=0) - s[0]
        x = self.embeddings[tokens]
        new_state = []
        for l, block in enumerate(self.blocks):
            x, h = block(x, state[l], lb[l] if l > 0 else None)
            new_state.append(h)
        return self.lm_head(rms_norm(x, self.norm)), new_state

    def export(self):
        """docs/model.md tensors: float ones by name, ternary ones as (trits, beta)."""
        t, tern = {}, {}
        with torch.no_grad():
            t["model.embeddings.weight"] = self.embeddings.clone()
            t["model.lower_bounds"] = self.lower_bounds.clone()
            for l, b in enumerate(self.blocks):
                p = f"model.layers.{l}"
                t[p + ".attn_norm.weight"] = b.attn_norm.clone()
                t[p + ".attn.g_norm.weight"] = b.g_norm.clone()
                t[p + ".mlp_norm.weight"] = b.mlp_norm.clone()
                for name, lin in (("attn.i_proj", b.i_proj), ("attn.f_proj", b.f_proj),
                                  ("attn.g_proj", b.g_proj), ("attn.o_proj", b.o_proj),
                                  ("mlp.gate_proj", b.gate_proj), ("mlp.down_proj", b.down_proj)):
                    tern[f"{p}.{name}.weight"] = ternarize(lin.weight.clone())
                    t[f"{p}.{name}.norm.weight"] = lin.norm.clone()
            t["model.norm.weight"] = self.norm.clone()
            tern["lm_head.weight"] = ternarize(self.lm_head.weight.clone())
            t["lm_head.norm.weight"] = self.lm_head.norm.clone()
        return t, tern


# ----------------------------------------------------------------- data ----

def encode(text_bytes):
    return torch.tensor(list(text_bytes), dtype=torch.long) + BYTE_OFFSET


def load_split(folder, split):
    with open(os.path.join(folder, split + ".txt"), "rb") as f:
        docs = f.read().rstrip(b"\n").split(b"\n\n")
    parts = []
    for d in docs:  # every document starts with BOS, as a prompt does at inference
        parts.append(torch.tensor([SPECIALS["<s>"]]))
        parts.append(encode(d))
    return torch.cat(parts), sum(len(d) for d in docs)


def baselines(train, valid):
    """Bits per byte of add-one smoothed byte unigram and bigram models (train -> valid)."""
    tr, va = train[train >= BYTE_OFFSET] - BYTE_OFFSET, valid
    uni = torch.bincount(tr, minlength=256).double() + 1
    uni = uni / uni.sum()
    big = torch.ones(256, 256, dtype=torch.float64)
    big.index_put_((tr[:-1], tr[1:]), torch.ones(len(tr) - 1, dtype=torch.float64), accumulate=True)
    big = big / big.sum(1, keepdim=True)
    vb = va[va >= BYTE_OFFSET] - BYTE_OFFSET
    unigram = -torch.log2(uni[vb]).mean().item()
    bigram = -torch.log2(big[vb[:-1], vb[1:]]).mean().item()
    return unigram, bigram


def held_out_bits_per_byte(model, valid, streams=32, chunk=256):
    """The whole held-out stream cut into `streams` contiguous pieces, each read
    from its start with the state carried across chunks; BOS targets excluded."""
    n = (len(valid) - 1) // streams
    x = valid[: n * streams].view(streams, n)
    y = valid[1: n * streams + 1].view(streams, n)
    state = model.initial_state(streams)
    nll, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, n, chunk):
            logits, state = model(x[:, start:start + chunk], state)
            target = y[:, start:start + chunk]
            lp = F.log_softmax(logits, -1).gather(-1, target.unsqueeze(-1)).squeeze(-1)
            mask = target >= BYTE_OFFSET
            nll -= lp[mask].sum().item()
            count += mask.sum().item()
    return nll / count / math.log(2)


# --------------------------------------------------------------- report ----

def loss_svg(rows, path, unigram, bigram):
    """A dependency-free SVG line chart of training and held-out bits per byte."""
    w, h, m = 640, 360, 50
    steps = [r["step"] for r in rows]
    lo, hi = 1.0, float(math.ceil(max(5.0, max(r["train_bpb"] for r in rows))))
    sx = lambda s: m + (w - 2 * m) * s / max(steps)  # noqa: E731
    sy = lambda v: h - m - (h - 2 * m) * (v - lo) / (hi - lo)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<line x1="{m}" y1="{h-m}" x2="{w-m}" y2="{h-m}" stroke="black"/>',
           f'<line x1="{m}" y1="{m}" x2="{m}" y2="{h-m}" stroke="black"/>',
           f'<text x="{w/2}" y="{h-12}" text-anchor="middle">training step</text>',
           f'<text x="14" y="{h/2}" transform="rotate(-90 14 {h/2})" text-anchor="middle">bits per byte</text>']
    for v in range(int(lo), int(math.ceil(hi)) + 1):
        out.append(f'<line x1="{m-4}" y1="{sy(v):.1f}" x2="{w-m}" y2="{sy(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{m-8}" y="{sy(v)+4:.1f}" text-anchor="end">{v}</text>')
    for frac in (0, 0.25, 0.5, 0.75, 1):
        s = int(max(steps) * frac)
        out.append(f'<text x="{sx(s):.1f}" y="{h-m+16}" text-anchor="middle">{s}</text>')
    for value, label, colour in ((unigram, "unigram", "#999"), (bigram, "bigram", "#666")):
        out.append(f'<line x1="{m}" y1="{sy(value):.1f}" x2="{w-m}" y2="{sy(value):.1f}" stroke="{colour}" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{w-m-4}" y="{sy(value)-4:.1f}" text-anchor="end" fill="{colour}">{label} {value:.2f}</text>')
    train = " ".join(f"{sx(r['step']):.1f},{sy(min(r['train_bpb'], hi)):.1f}" for r in rows)
    out.append(f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{train}"/>')
    held = [r for r in rows if r.get("valid_bpb") is not None]
    if held:
        pts = " ".join(f"{sx(r['step']):.1f},{sy(r['valid_bpb']):.1f}" for r in held)
        out.append(f'<polyline fill="none" stroke="#d62728" stroke-width="2" points="{pts}"/>')
    out.append(f'<text x="{w-m-4}" y="{m+14}" text-anchor="end" fill="#1f77b4">training (batch mean)</text>')
    out.append(f'<text x="{w-m-4}" y="{m+30}" text-anchor="end" fill="#d62728">held-out</text>')
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


# ----------------------------------------------------------------- main ----

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="folder with train.txt and valid.txt (brown_corpus.py)")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--intermediate", type=int, default=0, help="default: docs/model.md's formula")
    ap.add_argument("--seq", type=int, default=256, help="training window in bytes")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True, help="manifest to write")
    ap.add_argument("--card", required=True, help="folder for loss.csv, loss.svg, metrics.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    inter = args.intermediate or default_intermediate(args.hidden)
    train, train_bytes = load_split(args.data, "train")
    valid, valid_bytes = load_split(args.data, "valid")
    unigram, bigram = baselines(train, valid)
    print(f"train {train_bytes:,} bytes, held-out {valid_bytes:,} bytes; "
          f"baselines: unigram {unigram:.3f} bpb, bigram {bigram:.3f} bpb", flush=True)

    model = HgrnBitLM(args.layers, args.hidden, inter)
    decay = [p for n, p in model.named_parameters() if n.endswith("weight") and p.dim() == 2 and "embeddings" not in n]
    other = [p for n, p in model.named_parameters() if not (n.endswith("weight") and p.dim() == 2 and "embeddings" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": other, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    schedule = lambda s: min(1.0, (s + 1) / args.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * s / args.steps)))  # noqa: E731
    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    gen = torch.Generator().manual_seed(args.seed)
    rows, started, window = [], time.time(), []
    os.makedirs(args.card, exist_ok=True)
    for step in range(1, args.steps + 1):
        starts = torch.randint(0, len(train) - args.seq - 1, (args.batch,), generator=gen)
        idx = starts.unsqueeze(1) + torch.arange(args.seq + 1)
        chunk = train[idx]
        logits, _ = model(chunk[:, :-1], model.initial_state(args.batch))
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), chunk[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        window.append(loss.item() / math.log(2))
        if step % 25 == 0 or step == args.steps:
            row = {"step": step, "seconds": round(time.time() - started, 1),
                   "train_bpb": sum(window) / len(window), "valid_bpb": None}
            window = []
            if step % args.eval_every == 0 or step == args.steps:
                row["valid_bpb"] = held_out_bits_per_byte(model, valid)
            rows.append(row)
            print(f"step {step:5d}  {row['seconds']:7.1f}s  train {row['train_bpb']:.3f} bpb"
                  + (f"  held-out {row['valid_bpb']:.3f} bpb" if row["valid_bpb"] is not None else ""), flush=True)
    seconds = time.time() - started

    with open(os.path.join(args.card, "loss.csv"), "w", encoding="utf-8") as f:
        f.write("step,seconds,train_bits_per_byte,held_out_bits_per_byte\n")
        for r in rows:
            held = "" if r["valid_bpb"] is None else "%.4f" % r["valid_bpb"]
            f.write(f"{r['step']},{r['seconds']},{r['train_bpb']:.4f},{held}\n")
    loss_svg(rows, os.path.join(args.card, "loss.svg"), unigram, bigram)

    config = {"layers": args.layers, "hidden": args.hidden, "intermediate": inter,
              "vocab": VOCAB, "bos": SPECIALS["<s>"], "eos": SPECIALS["</s>"]}
    tensors, ternary = model.export()
    tokenizer = {"type": "byte", "byte_offset": BYTE_OFFSET, "special_tokens": SPECIALS}
    name = os.path.basename(args.out).split(".")[0]
    write_manifest(args.out, name, config, tensors, ternary, tokenizer)
    # The training forward and the independent reference must be the same model.
    check_text = "The jury said it did find that many of the city's laws are"
    ids = [SPECIALS["<s>"]] + [b + BYTE_OFFSET for b in check_text.encode()]
    with torch.no_grad():
        ref_logits = HgrnBitReference(config, tensors, ternary).logits(ids)
        train_logits, _ = model(torch.tensor([ids]), model.initial_state(1))
    gap = (train_logits[0] - ref_logits).abs().max().item() / (ref_logits.max() - ref_logits.min()).item()
    ternary_count = sum(t.numel() for t, _ in ternary.values())
    zeros = sum((t == 0).sum().item() for t, _ in ternary.values())
    metrics = {
        "layers": args.layers, "hidden": args.hidden, "intermediate": inter, "vocab": VOCAB,
        "ternary_weights": ternary_count, "zero_fraction": round(zeros / ternary_count, 4),
        "float_parameters": sum(t.numel() for t in tensors.values()),
        "train_bytes": train_bytes, "held_out_bytes": valid_bytes,
        "steps": args.steps, "batch": args.batch, "seq": args.seq, "lr": args.lr, "seed": args.seed,
        "tokens_seen": args.steps * args.batch * args.seq,
        "threads": args.threads, "training_seconds": round(seconds, 1),
        "held_out_bits_per_byte": round(rows[-1]["valid_bpb"], 4),
        "unigram_bits_per_byte": round(unigram, 4), "bigram_bits_per_byte": round(bigram, 4),
        "training_vs_reference_max_gap_of_range": gap,
        "torch": torch.__version__,
    }
    with open(os.path.join(args.card, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=1)
        f.write("\n")
    print(json.dumps(metrics, indent=1))
    if gap > 1e-3:
        sys.exit(f"training forward and reference disagree: {gap:.2e} of the logit range")


if __name__ == "__main__":
    main()
