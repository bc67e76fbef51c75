#!/usr/bin/python3
"""Validates device profiles against manifests/schema/device-profile.schema.json.

Usage: validate.py SCHEMA (DIR | FILE)...   Every *.json in a DIR, or each FILE ('-': stdin).
Exits 1 naming each file and the first schema error in it; the C++ reader
(manifests/lib/device_profile) checks the cross-field rules the schema cannot express.
"""
import json
import pathlib
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    schema = json.loads(pathlib.Path(argv[1]).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    docs = []
    for arg in argv[2:]:
        path = pathlib.Path(arg)
        if arg == "-":
            docs.append(("<stdin>", sys.stdin.read()))
        elif path.is_dir():
            docs += [(str(p), p.read_text()) for p in sorted(path.glob("*.json"))]
        else:
            docs.append((arg, path.read_text()))
    if not docs:
        sys.exit(f"no profiles found in {argv[2:]}")
    failed = 0
    for name, text in docs:
        errors = sorted(validator.iter_errors(json.loads(text)), key=lambda e: list(e.path))
        for e in errors[:1]:
            where = ".".join(str(p) for p in e.path) or "(top level)"
            print(f"{name}: {where}: {e.message}")
            failed += 1
    print(f"{len(docs) - failed} of {len(docs)} profiles valid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
