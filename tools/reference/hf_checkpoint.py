"""Writes Hugging Face-layout HGRN-Bit checkpoint folders (config.json,
safetensors, optionally sharded with model.safetensors.index.json, and a
tokenizer.json), written from the safetensors and tokenizer.json formats as
documented, without the safetensors or tokenizers packages (not installed here).
"""
import json
import os
import struct

import numpy as np
import torch

DTYPES = {"f32": ("F32", torch.float32), "f16": ("F16", torch.float16), "bf16": ("BF16", torch.bfloat16)}


def stored(t, dtype):
    """The tensor as the checkpoint stores it, read back as float32 (what a converter sees)."""
    return t.to(DTYPES[dtype][1]).to(torch.float32)


def tensor_bytes(t, dtype):
    st_dtype, torch_dtype = DTYPES[dtype]
    v = t.detach().to(torch_dtype).contiguous()
    if dtype == "bf16":
        return v.view(torch.int16).numpy().astype("<i2").tobytes()
    if dtype == "f16":
        return v.numpy().astype("<f2").tobytes()
    return v.numpy().astype("<f4").tobytes()


def write_safetensors(path, tensors, dtype):
    """tensors: ordered dict name -> float tensor. Header padded with spaces to 8 bytes."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = tensor_bytes(t, dtype)
        header[name] = {"dtype": DTYPES[dtype][0], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    return offset


def write_config(folder, config, intermediate_in_config):
    doc = {
        "architectures": ["HGRNBitForCausalLM"],
        "model_type": "hgrn_bit",
        "attn_mode": "fused_recurrent",
        "hidden_size": config["hidden"],
        "num_hidden_layers": config["layers"],
        "vocab_size": config["vocab"],
        "intermediate_size": config["intermediate"] if intermediate_in_config else None,
        "hidden_ratio": 4,
        "hidden_act": "swish",
        "num_heads": 1,
        "expand_ratio": 1,
        "use_short_conv": False,
        "use_lower_bound": True,
        "rms_norm_eps": 1e-6,
        "bos_token_id": config["bos"],
        "eos_token_id": config["eos"],
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
    }
    with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def write_weights(folder, tensors, dtype, shards):
    names = list(tensors)
    if shards <= 1:
        write_safetensors(os.path.join(folder, "model.safetensors"), tensors, dtype)
        return
    per = (len(names) + shards - 1) // shards
    weight_map, total = {}, 0
    for s in range(shards):
        part = {n: tensors[n] for n in names[s * per:(s + 1) * per]}
        file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        total += write_safetensors(os.path.join(folder, file), part, dtype)
        for n in part:
            weight_map[n] = file
    with open(os.path.join(folder, "model.safetensors.index.json"), "w", encoding="utf-8") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
        f.write("\n")


# A small Llama-style BPE vocabulary: <unk> <s> </s>, the 256 byte pieces, then
# pieces built by the merges below (each merge's result is a new piece).
WORD_MERGES = [("▁", "t"), ("h", "e"), ("▁t", "he"), ("▁", "a"), ("a", "n"), ("▁a", "n"),
               ("▁an", "d"), ("i", "n"), ("▁", "in"), ("o", "f"), ("▁", "of"), ("e", "r"),
               ("▁", "w"), ("▁w", "a"), ("▁wa", "s"), ("▁", "s"), ("▁s", "a"), ("▁sa", "i"), ("▁sai", "d")]


def llama_style_tokenizer():
    pieces = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    for left, right in WORD_MERGES:
        for p in (left, right):
            if p not in pieces:
                pieces.append(p)
        if left + right not in pieces:
            pieces.append(left + right)
    return pieces, [f"{a} {b}" for a, b in WORD_MERGES]


def write_tokenizer(folder):
    pieces, merges = llama_style_tokenizer()
    doc = {
        "version": "1.0",
        "added_tokens": [{"id": i, "content": p, "special": True} for i, p in enumerate(pieces[:3])],
        "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": True,
                  "vocab": {p: i for i, p in enumerate(pieces)}, "merges": merges},
    }
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return len(pieces)
