#!/usr/bin/python3
"""Reference tool: seeded random HGRN-Bit models as manifests, and golden logits.

  /usr/bin/python3 tools/reference/reference.py random-model --layers 2 --hidden 64 \
      --seed 1 --out tests/data/models/tiny-l2-h64.mmf.json --golden tests/data/golden/tiny-l2-h64.golden.json

Needs Debian's python3-torch (torch 1.13); CI never runs it, it uses the committed output.
"""
import argparse
import base64
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hgrn_bit import HgrnBitReference, ternarize  # noqa: E402
from manifest_v1 import read_manifest, tensor_names, write_manifest  # noqa: E402
import hf_checkpoint  # noqa: E402

BYTE_OFFSET = 3
SPECIALS = {"<unk>": 0, "<s>": 1, "</s>": 2}
GOLDEN_TEXT = "The MatMul-free LM adds and subtracts; it never multiplies weights. "


def default_intermediate(hidden):
    return int(math.ceil(hidden * 4 * 2 / 3 / 256) * 256)


def random_model(layers, hidden, intermediate, vocab, seed, ternarized=True):
    """Random full-precision weights, ternarized once as docs/model.md step 3
    (with ternarized=False the BitLinear weights stay full precision, as a
    Hugging Face checkpoint stores them)."""
    g = torch.Generator().manual_seed(seed)

    def normal(*shape, std=1.0, mean=0.0):
        return torch.randn(*shape, generator=g) * std + mean

    shapes = {
        "model.embeddings.weight": (vocab, hidden),
        "model.lower_bounds": (layers, hidden),
        "model.norm.weight": (hidden,),
        "lm_head.weight": (vocab, hidden),
        "lm_head.norm.weight": (hidden,),
    }
    for l in range(layers):
        p = f"model.layers.{l}"
        for n in ("attn_norm", "mlp_norm", "attn.g_norm"):
            shapes[f"{p}.{n}.weight"] = (hidden,)
        for proj in "ifgo":
            shapes[f"{p}.attn.{proj}_proj.weight"] = (hidden, hidden)
            shapes[f"{p}.attn.{proj}_proj.norm.weight"] = (hidden,)
        shapes[f"{p}.mlp.gate_proj.weight"] = (2 * intermediate, hidden)
        shapes[f"{p}.mlp.gate_proj.norm.weight"] = (hidden,)
        shapes[f"{p}.mlp.down_proj.weight"] = (hidden, intermediate)
        shapes[f"{p}.mlp.down_proj.norm.weight"] = (intermediate,)

    tensors, ternary = {}, {}
    for name, kind in tensor_names(layers):
        shape = shapes[name]
        if kind == "ternary":
            w = normal(*shape, std=0.02)
            if ternarized:
                ternary[name] = ternarize(w)
            else:
                tensors[name] = w
        elif name == "model.embeddings.weight":
            tensors[name] = normal(*shape)
        elif name == "model.lower_bounds":
            tensors[name] = normal(*shape)
        else:  # norm weights near 1, so that a missing one is visible
            tensors[name] = normal(*shape, std=0.1, mean=1.0)
    return tensors, ternary


def golden_tokens(count, vocab, seed):
    """BOS, the bytes of an English sentence, then seeded random ids (any id < vocab)."""
    text = [b + BYTE_OFFSET for b in GOLDEN_TEXT.encode("utf-8")]
    g = torch.Generator().manual_seed(seed + 1000)
    rest = torch.randint(0, vocab, (count,), generator=g).tolist()
    return ([SPECIALS["<s>"]] + text + rest)[:count]


def cmd_random_model(args):
    vocab = args.vocab or 256 + BYTE_OFFSET
    inter = args.intermediate or default_intermediate(args.hidden)
    config = {"layers": args.layers, "hidden": args.hidden, "intermediate": inter,
              "vocab": vocab, "bos": SPECIALS["<s>"], "eos": SPECIALS["</s>"]}
    tensors, ternary = random_model(args.layers, args.hidden, inter, vocab, args.seed)
    tokenizer = {"type": "byte", "byte_offset": BYTE_OFFSET, "special_tokens": SPECIALS}
    name = args.name or os.path.basename(args.out).split(".")[0]
    write_manifest(args.out, name, config, tensors, ternary, tokenizer)
    print(f"wrote {args.out}")
    if args.golden:
        model = HgrnBitReference(config, tensors, ternary)
        tokens = golden_tokens(args.steps, vocab, args.seed)
        with torch.no_grad():
            logits = model.logits(tokens)
        doc = {
            "model": os.path.basename(args.out),
            "source": "tools/reference/reference.py (PyTorch %s, float32)" % torch.__version__,
            "seed": args.seed,
            "tokens": tokens,
            "steps": len(tokens),
            "vocab": vocab,
            "logits_f32le_base64": base64.b64encode(
                logits.numpy().astype("<f4").tobytes()).decode("ascii"),
        }
        with open(args.golden, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        print(f"wrote {args.golden} ({len(tokens)} steps)")


def write_golden(path, source_name, model, tokens, vocab, seed):
    """Golden logits, with each step's allowance for int8 rounding ties
    (hgrn_bit.RoundingTies): tests accept |difference| <= 1e-4 * range + allowance."""
    with torch.no_grad():
        logits, allowance, near = model.logits_with_tie_allowance(tokens)
    doc = {
        "model": source_name,
        "source": "tools/reference/reference.py (PyTorch %s, float32)" % torch.__version__,
        "seed": seed,
        "tokens": tokens,
        "steps": len(tokens),
        "vocab": vocab,
        "near_ties": near,
        "tie_allowance": [float(a) for a in allowance],
        "logits_f32le_base64": base64.b64encode(logits.numpy().astype("<f4").tobytes()).decode("ascii"),
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {path} ({len(tokens)} steps, {near} near-tie roundings, "
          f"{sum(1 for a in allowance if a > 0)} steps with an allowance)")


def cmd_hf_checkpoint(args):
    """A Hugging Face-layout folder with random full-precision weights stored in
    --dtype, and golden logits of the model a converter must produce from it:
    the stored values read back as float32, BitLinear weights ternarized once."""
    os.makedirs(args.out, exist_ok=True)
    inter = args.intermediate or default_intermediate(args.hidden)
    vocab = args.vocab
    config = {"layers": args.layers, "hidden": args.hidden, "intermediate": inter,
              "vocab": vocab, "bos": SPECIALS["<s>"], "eos": SPECIALS["</s>"]}
    raw, _ = random_model(args.layers, args.hidden, inter, vocab, args.seed, ternarized=False)
    hf_checkpoint.write_config(args.out, config, intermediate_in_config=bool(args.intermediate))
    ordered = {name: raw[name] for name, _ in tensor_names(args.layers)}
    hf_checkpoint.write_weights(args.out, ordered, args.dtype, args.shards)
    pieces = hf_checkpoint.write_tokenizer(args.out)
    assert pieces <= vocab, "the tokenizer must fit the vocabulary"
    tensors, ternary = {}, {}
    for name, kind in tensor_names(args.layers):
        value = hf_checkpoint.stored(raw[name], args.dtype)
        if kind == "ternary":
            ternary[name] = ternarize(value, mean_in_float64=True)
        else:
            tensors[name] = value
    print(f"wrote {args.out} ({args.dtype}, {max(args.shards, 1)} file(s), tokenizer of {pieces} pieces)")
    if args.golden:
        tokens = golden_tokens(args.steps, vocab, args.seed)
        write_golden(args.golden, os.path.basename(os.path.normpath(args.out)),
                     HgrnBitReference(config, tensors, ternary), tokens, vocab, args.seed)


def cmd_golden(args):
    """Golden logits of an existing manifest (e.g. the trained sample) for a text:
    BOS, then its UTF-8 bytes as byte-tokenizer ids."""
    config, tensors, ternary = read_manifest(args.manifest)
    tokens = [SPECIALS["<s>"]] + [b + BYTE_OFFSET for b in args.text.encode("utf-8")]
    write_golden(args.out, os.path.basename(args.manifest), HgrnBitReference(config, tensors, ternary),
                 tokens, config["vocab"], 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    rm = sub.add_parser("random-model", help="seeded random model as a manifest (+ golden logits)")
    rm.add_argument("--layers", type=int, required=True)
    rm.add_argument("--hidden", type=int, required=True)
    rm.add_argument("--intermediate", type=int, default=0, help="default: docs/model.md's formula")
    rm.add_argument("--vocab", type=int, default=0, help="default: 256 bytes + 3 specials")
    rm.add_argument("--seed", type=int, default=1)
    rm.add_argument("--name", default="")
    rm.add_argument("--out", required=True)
    rm.add_argument("--golden", default="", help="also write golden logits here")
    rm.add_argument("--steps", type=int, default=64)
    hf = sub.add_parser("hf-checkpoint", help="seeded random Hugging Face checkpoint folder (+ golden logits)")
    hf.add_argument("--layers", type=int, required=True)
    hf.add_argument("--hidden", type=int, required=True)
    hf.add_argument("--intermediate", type=int, default=0, help="default: left out of config.json (docs/model.md's formula)")
    hf.add_argument("--vocab", type=int, default=300)
    hf.add_argument("--dtype", choices=sorted(hf_checkpoint.DTYPES), default="f32")
    hf.add_argument("--shards", type=int, default=1)
    hf.add_argument("--seed", type=int, default=1)
    hf.add_argument("--out", required=True, help="folder to write")
    hf.add_argument("--golden", default="", help="also write golden logits here")
    hf.add_argument("--steps", type=int, default=48)
    gd = sub.add_parser("golden", help="golden logits of an existing byte-tokenizer manifest for a text")
    gd.add_argument("--manifest", required=True)
    gd.add_argument("--text", required=True)
    gd.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    {"random-model": cmd_random_model, "hf-checkpoint": cmd_hf_checkpoint, "golden": cmd_golden}[args.cmd](args)


if __name__ == "__main__":
    main()
