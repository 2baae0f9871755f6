"""The manifest's integrity digest (docs/manifest.md, "Integrity digest"), written
from the document alone, independently of the C# reader, with the standard library only.

    python3 tools/reference/digest.py MANIFEST...           # check each digest
    python3 tools/reference/digest.py --write MANIFEST...   # rewrite each digest in place

digest = SHA-256("matmulfree-digest-2" 0x00, H(model record), H(tensor record) for each
tensor in order of name); strings are their UTF-16 code-unit count (uint32) and code units,
integers int32, floats float32 bits, little-endian.
"""
import base64
import decimal
import hashlib
import json
import math
import os
import struct
import sys

DOMAIN = b"matmulfree-digest-2\0"


def _string(s):
    units = s.encode("utf-16-le", "surrogatepass")
    return struct.pack("<I", len(units) // 2) + units


def _int(v):
    return struct.pack("<i", v)


def _float(v):
    """The float32 a JSON number reads as, rounded once from its decimal text (as C# float.Parse
    does; a Python float would round it twice: to double, then to float32), ties to even."""
    d = decimal.Decimal(v) if not isinstance(v, float) else decimal.Decimal(repr(v))
    near = struct.unpack("<I", struct.pack("<f", float(d)))[0]
    best = None
    for bits in (near - 1, near, near + 1):
        if not 0 <= bits <= 0xFFFFFFFF:
            continue
        f = struct.unpack("<f", struct.pack("<I", bits))[0]
        if not math.isfinite(f) or (f < 0) != (d < 0) and f != 0:
            continue
        key = (abs(decimal.Decimal(f) - d), bits & 1)
        if best is None or key < best[0]:
            best = (key, bits)
    return struct.pack("<I", best[1])


def model_record(doc):
    """SHA-256 of the name, architecture, tokenizer and kernel choices."""
    a, t = doc["architecture"], doc["tokenizer"]
    r = _string(doc["name"]) + _string(a["family"])
    for key in ("layers", "hidden", "intermediate", "vocab"):
        r += _int(a[key])
    r += _float(a["rms_norm_eps"]) + _int(a["bos"]) + _int(a["eos"])
    r += _string(t["type"])
    specials = list(t["special_tokens"].items())
    if t["type"] == "byte":
        r += _int(t["byte_offset"])
    else:
        r += _int(len(t["pieces"]))
        for piece in t["pieces"]:
            r += b"\0" if piece is None else b"\1" + _string(piece)
        r += _int(len(t["merges"]))
        for merge in t["merges"]:
            r += _string(merge)
        unk = t.get("unk", t["special_tokens"].get("<unk>", a["bos"]))
        r += _int(unk)
    r += _int(len(specials))
    for text, token in specials:
        r += _string(text) + _int(token)
    kernels = doc.get("kernels", {})
    r += _int(len(kernels))
    for name in sorted(kernels):
        r += _string(name) + _string(kernels[name])
    return hashlib.sha256(r).digest()


def tensor_record(name, dtype, shape, beta, payload):
    """SHA-256 of one tensor's name, dtype, shape, beta (trit2 only) and the SHA-256 of its data bytes."""
    r = _string(name) + _string(dtype) + _int(len(shape))
    for d in shape:
        r += _int(d)
    if dtype == "trit2":
        r += _float(beta)
    r += hashlib.sha256(payload).digest()
    return hashlib.sha256(r).digest()


def digest(doc, payloads):
    """payloads: tensor name -> its data bytes as stored."""
    h = hashlib.sha256(DOMAIN + model_record(doc))
    for name in sorted(doc["tensors"]):
        t = doc["tensors"][name]
        h.update(tensor_record(name, t["dtype"], t["shape"], t.get("beta"), payloads[name]))
    return h.hexdigest()


def payloads_of(doc, folder):
    """Each tensor's data bytes: inline base64, or its range of the weights file."""
    result, weights = {}, None
    for name, t in doc["tensors"].items():
        if "data" in t:
            result[name] = base64.b64decode(t["data"], validate=True)
            continue
        if weights is None:
            with open(os.path.join(folder, doc["weights"]["path"]), "rb") as f:
                weights = f.read()
        result[name] = weights[t["file"]["offset"]:t["file"]["offset"] + t["file"]["length"]]
    return result


def main(argv):
    write = "--write" in argv
    status = 0
    for path in (a for a in argv if a != "--write"):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        doc = json.loads(text, parse_float=decimal.Decimal)
        actual = digest(doc, payloads_of(doc, os.path.dirname(os.path.abspath(path))))
        stated = doc["integrity"]["digest"]
        if actual == stated:
            print(f"{path}: {actual} ok")
        elif write:
            if text.count(stated) != 1:
                raise SystemExit(f"{path}: the stated digest is not found exactly once")
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text.replace(stated, actual))
            os.replace(tmp, path)
            print(f"{path}: {stated} -> {actual}")
        else:
            print(f"{path}: stated {stated}, computed {actual}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
