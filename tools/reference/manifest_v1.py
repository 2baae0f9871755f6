"""Writes and reads model manifests, format v1 (docs/manifest.md), from Python.

Independent of the C# parser: it follows the document, so a disagreement
between the two shows up as a test failure rather than a shared bug.
"""
import base64
import json

import numpy as np
import torch

from digest import digest

FORMAT_ID = "matmulfree-manifest"
TRIT_CODE = {0: 0, 1: 1, -1: 2}


def tensor_names(layers):
    """Every tensor of docs/model.md, with its kind: 'ternary' or 'float'."""
    names = [("model.embeddings.weight", "float"), ("model.lower_bounds", "float")]
    for l in range(layers):
        p = f"model.layers.{l}"
        names.append((p + ".attn_norm.weight", "float"))
        for proj in ("i", "f", "g", "o"):
            names.append((f"{p}.attn.{proj}_proj.weight", "ternary"))
            names.append((f"{p}.attn.{proj}_proj.norm.weight", "float"))
        names.append((p + ".attn.g_norm.weight", "float"))
        names.append((p + ".mlp_norm.weight", "float"))
        for proj in ("gate", "down"):
            names.append((f"{p}.mlp.{proj}_proj.weight", "ternary"))
            names.append((f"{p}.mlp.{proj}_proj.norm.weight", "float"))
    names += [("model.norm.weight", "float"), ("lm_head.weight", "ternary"),
              ("lm_head.norm.weight", "float")]
    return names


def pack_trits(trits):
    """Row-major trits -> bytes, 4 per byte, element j in bits 2*(j%4)."""
    flat = trits.reshape(-1).to(torch.int64).tolist()
    out = bytearray((len(flat) + 3) // 4)
    for j, t in enumerate(flat):
        out[j // 4] |= TRIT_CODE[int(t)] << (2 * (j % 4))
    return bytes(out)


def unpack_trits(data, count):
    decode = {0: 0, 1: 1, 2: -1}
    return [decode[(data[j // 4] >> (2 * (j % 4))) & 3] for j in range(count)]


def f32_bytes(t):
    return t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()


def float32_repr(v):
    """The shortest decimal that reads back as the same float32."""
    f = np.float32(v)
    return float(np.format_float_positional(f, unique=True, trim="-")) if np.isfinite(f) else float(f)


def write_manifest(path, name, config, tensors, ternary, tokenizer):
    entries = {}
    json_tensors = {}
    for tname, kind in tensor_names(config["layers"]):
        if kind == "ternary":
            trits, beta = ternary[tname]
            payload = pack_trits(trits)
            beta32 = float(np.float32(beta))
            entries[tname] = ("trit2", list(trits.shape), beta32, payload)
            json_tensors[tname] = {"dtype": "trit2", "shape": list(trits.shape),
                                   "beta": float32_repr(beta32),
                                   "data": base64.b64encode(payload).decode("ascii")}
        else:
            t = tensors[tname]
            payload = f32_bytes(t)
            entries[tname] = ("f32", list(t.shape), None, payload)
            json_tensors[tname] = {"dtype": "f32", "shape": list(t.shape),
                                   "data": base64.b64encode(payload).decode("ascii")}
    doc = {
        "format": FORMAT_ID,
        "version": 1,
        "name": name,
        "architecture": {
            "family": "hgrn-bit",
            "layers": config["layers"],
            "hidden": config["hidden"],
            "intermediate": config["intermediate"],
            "vocab": config["vocab"],
            "rms_norm_eps": 1e-6,
            "bos": config["bos"],
            "eos": config["eos"],
        },
        "tokenizer": tokenizer,
        "tensors": json_tensors,
        "integrity": {"algorithm": "sha256", "digest": ""},
    }
    doc["integrity"]["digest"] = digest(doc, {n: e[3] for n, e in entries.items()})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def read_manifest(path):
    """A manifest with inline data -> (config, float tensors, {name: (trits, beta)}).
    Checks the integrity digest, so golden data is never computed from a damaged file."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    a = doc["architecture"]
    config = {"layers": a["layers"], "hidden": a["hidden"], "intermediate": a["intermediate"],
              "vocab": a["vocab"], "bos": a["bos"], "eos": a["eos"]}
    tensors, ternary, entries = {}, {}, {}
    for name, t in doc["tensors"].items():
        payload = base64.b64decode(t["data"])
        shape = t["shape"]
        count = int(np.prod(shape))
        if t["dtype"] == "trit2":
            beta = float(np.float32(t["beta"]))
            trits = torch.tensor(unpack_trits(payload, count), dtype=torch.float32).reshape(shape)
            ternary[name] = (trits, torch.tensor(beta, dtype=torch.float32))
            entries[name] = ("trit2", shape, beta, payload)
        elif t["dtype"] == "f32":
            tensors[name] = torch.from_numpy(np.frombuffer(payload, dtype="<f4").copy()).reshape(shape)
            entries[name] = ("f32", shape, None, payload)
        else:
            raise ValueError(f"{path}: {name}: dtype {t['dtype']} is not read by this tool")
    if digest(doc, {n: e[3] for n, e in entries.items()}) != doc["integrity"]["digest"]:
        raise ValueError(f"{path}: integrity digest mismatch")
    return config, tensors, ternary
