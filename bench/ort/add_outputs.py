#!/usr/bin/python3
"""Copies an ONNX model with intermediate tensors added as graph outputs, to find the first node
where mota and ONNX Runtime disagree (see tests/models/README.md, "Diagnosing a mismatch").

  /usr/bin/python3 add_outputs.py IN.onnx OUT.onnx [--all | NAME ...] [--every N]

--all adds every node output; --every N keeps only every N-th of them (plus the last).
Needs /usr/bin/python3 (Debian's python3-onnx).
"""
import argparse
import sys

import onnx
from onnx import helper, shape_inference


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('source')
    parser.add_argument('dest')
    parser.add_argument('names', nargs='*')
    parser.add_argument('--all', action='store_true')
    parser.add_argument('--every', type=int, default=1)
    args = parser.parse_args()
    model = onnx.load(args.source)
    inferred = shape_inference.infer_shapes(model)
    types = {v.name: v.type.tensor_type.elem_type for v in inferred.graph.value_info}
    existing = {o.name for o in model.graph.output}
    names = args.names
    if args.all:
        produced = [o for n in model.graph.node if n.op_type != 'Constant' for o in n.output if o]
        names = produced[::args.every] + produced[-1:]
    added = []
    for name in names:
        if name in existing or name in added:
            continue
        if name not in types:
            sys.exit(f'add_outputs: tensor {name!r} has no inferred type (is it a node output?)')
        model.graph.output.append(helper.make_tensor_value_info(name, types[name], None))
        added.append(name)
    onnx.save(model, args.dest)
    print(f'add_outputs: {len(added)} outputs added to {args.dest}')


if __name__ == '__main__':
    main()
