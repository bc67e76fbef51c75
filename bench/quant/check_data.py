#!/usr/bin/python3
"""Accuracy of the PaddleOCR direction classifier on a make_data.py ppocr_cls set, via the mota CLI.

  check_data.py --data DIR [--model M.onnx|M.mota] [--mota BIN] [--backend auto] [--min-accuracy A]

Converts the ONNX model (input x fixed to 1x3x48x192) unless a .mota is given, runs
`mota run --input x=DIR/NNNN/x.npy` on every sample and compares the argmax of the output with
DIR/labels.json (0 = upright, 1 = rotated 180 degrees). A .mota argument lets the same check score a
quantized model. Exits 1 when the accuracy is below --min-accuracy.

Run with /usr/bin/python3 (Debian's python3-numpy).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_MODEL = "/work/shared/models/ch_ppocr_mobile_v2.0_cls_infer.onnx"
DEFAULT_MOTA = os.environ.get("MOTA", os.path.join(ROOT, "build", "tools", "mota", "mota"))


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"check_data: `{' '.join(cmd)}` failed with exit code {p.returncode}:\n"
                 f"{p.stdout}{p.stderr}")
    return p.stdout


def load_labels(data):
    path = os.path.join(data, "labels.json")
    if not os.path.exists(path):
        sys.exit(f"check_data: {path} not found; expected a make_data.py --model ppocr_cls set")
    with open(path) as f:
        labels = json.load(f)
    if not isinstance(labels, list) or any(v not in (0, 1) for v in labels):
        sys.exit(f"check_data: {path} must be a list of 0/1 labels")
    return labels


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="directory written by make_data.py")
    ap.add_argument("--model", default=DEFAULT_MODEL, help=".onnx (converted here) or .mota")
    ap.add_argument("--mota", default=DEFAULT_MOTA, help="the mota CLI binary (env MOTA)")
    ap.add_argument("--backend", default="auto", choices=["auto", "reference", "xnnpack"])
    ap.add_argument("--min-accuracy", type=float, default=0.0)
    ap.add_argument("-v", "--verbose", action="store_true", help="print every wrong sample")
    args = ap.parse_args()
    if not os.access(args.mota, os.X_OK):
        sys.exit(f"check_data: mota CLI {args.mota} not found or not executable; build the "
                 "`mota` target or pass --mota / set MOTA")
    labels = load_labels(args.data)

    with tempfile.TemporaryDirectory(prefix="check_data_") as tmp:
        model = args.model
        if model.endswith(".onnx"):
            mota_file = os.path.join(tmp, "cls.mota")
            run([args.mota, "convert", model, "--input", "x=1,3,48,192", "-o", mota_file])
            model = mota_file
        correct = [0, 0]
        total = [0, 0]
        confidence = []
        for i, label in enumerate(labels):
            x = os.path.join(args.data, f"{i:04d}", "x.npy")
            if not os.path.exists(x):
                sys.exit(f"check_data: sample {x} missing (labels.json lists {len(labels)})")
            out = os.path.join(tmp, "out")
            run([args.mota, "run", model, "--backend", args.backend, "--input", f"x={x}",
                 "--output-dir", out])
            outputs = sorted(os.listdir(out))
            if len(outputs) != 1:
                sys.exit(f"check_data: expected one output from {model}, got {outputs}")
            probs = np.load(os.path.join(out, outputs[0])).reshape(-1)
            if probs.shape != (2,):
                sys.exit(f"check_data: output {outputs[0]} has {probs.size} values, expected 2")
            pred = int(np.argmax(probs))
            total[label] += 1
            correct[label] += pred == label
            confidence.append(float(probs[label]))
            if args.verbose and pred != label:
                print(f"  wrong: {i:04d} label {label} probs {probs.tolist()}")

    n = sum(total)
    acc = sum(correct) / n
    per = [f"{c}/{t}" for c, t in zip(correct, total)]
    print(f"check_data: {args.data}: accuracy {acc:.4f} ({sum(correct)}/{n}); "
          f"upright {per[0]}, rotated {per[1]}; mean p(true) {np.mean(confidence):.4f}; "
          f"model {args.model}, backend {args.backend}")
    if acc < args.min_accuracy:
        print(f"check_data: accuracy {acc:.4f} below --min-accuracy {args.min_accuracy}")
        sys.exit(1)


if __name__ == "__main__":
    main()
