"""Canonical JSON as securesystemslib's encode_canonical writes it (what TUF signs): sorted keys
(by their UTF-8 bytes), no whitespace, only backslash and double quote escaped (control
characters stay raw), integers only. For the Python fixture scripts that sign TUF metadata
(manifests/golden/tuf/generate.py, tools/tuf_conformance_client/tuf_fixture.py); the C++
encoder is manifests/lib/tuf/canonical_json.h.

Scripts elsewhere in the tree import it with this folder on sys.path:
    sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
    from canonical_json import canonical
"""


def canonical(value):
    """`value` (dict/list/str/int/bool/None) as canonical JSON text; TypeError for anything else
    (floats have no canonical form)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode())
        return "{" + ",".join(canonical(k) + ":" + canonical(v) for k, v in items) + "}"
    raise TypeError(f"not canonical JSON: {value!r}")
