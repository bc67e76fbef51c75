#!/usr/bin/python3
"""Writes a copy of an ONNX model whose last Gemm weight differs in ROWS consecutive rows
(rows FIRST..FIRST+ROWS-1 of the [out, in] weight with transB=1, i.e. the classifier of those
classes), each scaled by 0.99 so no value leaves the tensor's range. Deterministic.

Usage: modify_classifier.py IN.onnx OUT.onnx [--rows 10] [--first 500]
"""
import argparse

import numpy as np
import onnx
from onnx import numpy_helper


def main():
    p = argparse.ArgumentParser()
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--rows", type=int, default=10)
    p.add_argument("--first", type=int, default=500)
    a = p.parse_args()
    model = onnx.load(a.src)
    gemms = [n for n in model.graph.node if n.op_type == "Gemm"]
    if not gemms:
        raise SystemExit(f"{a.src}: no Gemm node")
    gemm = gemms[-1]
    trans_b = next((at.i for at in gemm.attribute if at.name == "transB"), 0)
    weights = {t.name: t for t in model.graph.initializer}
    if gemm.input[1] not in weights:
        raise SystemExit(f"{a.src}: Gemm {gemm.name} weight {gemm.input[1]} is not an initializer")
    w = numpy_helper.to_array(weights[gemm.input[1]]).copy()
    rows = slice(a.first, a.first + a.rows)
    if trans_b:
        w[rows, :] *= np.float32(0.99)
    else:
        w[:, rows] *= np.float32(0.99)
    weights[gemm.input[1]].CopyFrom(numpy_helper.from_array(w, gemm.input[1]))
    onnx.save(model, a.dst)
    print(f"{a.dst}: Gemm {gemm.name} weight {gemm.input[1]} {list(w.shape)} transB={trans_b}: "
          f"{a.rows} output rows from {a.first} scaled by 0.99")


if __name__ == "__main__":
    main()
