#!/usr/bin/python3
"""Regenerates manifests/golden/tuf (README.md there says what each file shows).

valid/: the metadata of a real repository made by the mota tools with a fixed clock:
  mota keygen (throwaway keys in a temp dir), mota package (the shared MLP, release 1),
  mota repo init --now T, mota repo add --now T+60. Only public metadata is copied.
invalid/: each a valid file changed in one way and (where the case needs it) re-signed with the
  same throwaway keys, which are deleted afterwards. New keys give new bytes every run; the test
  only needs each file to be internally consistent with valid/.

Usage: generate.py MOTA_BINARY   (run from anywhere; rewrites valid/ and invalid/)
"""
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "support"))
from canonical_json import canonical  # noqa: E402  (securesystemslib's encode_canonical)

SHARED = os.environ.get("MOTA_SHARED_DIR", "/work/shared")
T = 1790000000  # the clock of init; golden_test.cc checks at T + 120 (kNow there)


def utc(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class Keys:
    def __init__(self, mota, folder, names):
        self.keys, self.ids = {}, {}
        for name in names:
            subprocess.run([mota, "keygen", "-o", f"{folder}/{name}"], check=True,
                           stdout=subprocess.DEVNULL)
            with open(f"{folder}/{name}.key", "rb") as f:
                self.keys[name] = serialization.load_pem_private_key(f.read(), None)

    def public_hex(self, name):
        raw = self.keys[name].public_key().public_bytes(serialization.Encoding.Raw,
                                                        serialization.PublicFormat.Raw)
        return raw.hex()

    def sign(self, signed, names, keyids):
        message = canonical(signed).encode()
        sigs = [{"keyid": keyids[n], "sig": self.keys[n].sign(message).hex()} for n in names]
        return canonical({"signatures": sorted(sigs, key=lambda s: s["keyid"]),
                          "signed": signed}).encode()


def key_json(keys, name):
    return {"keytype": "ed25519", "keyval": {"public": keys.public_hex(name)}, "scheme": "ed25519"}


def keyid_of(root, public_hex):
    for keyid, key in root["keys"].items():
        if key["keyval"]["public"] == public_hex:
            return keyid
    return None


def make_repo(mota, work, keys):
    with open(f"{work}/deploy.yaml", "w") as f:
        f.write(f"model: mlp\nversion: \"1.0\"\nsource: {SHARED}/models/mlp_784_256_10.onnx\n"
                "inputs:\n  input: [1, 784]\nvariants:\n"
                "  - id: cpu-fp32\n    backend: cpu\n    precision: fp32\n    priority: 1\n")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    subprocess.run([mota, "package", f"{work}/deploy.yaml", "-o", f"{work}/staging",
                    "--release", "1"], **quiet)
    online = ["--targets-key", f"{work}/targets.key", "--snapshot-key", f"{work}/snapshot.key",
              "--timestamp-key", f"{work}/timestamp.key"]
    subprocess.run([mota, "repo", "init", "--repo", f"{work}/repo", "--root-key",
                    f"{work}/root.key", "--now", str(T)] + online, **quiet)
    subprocess.run([mota, "repo", "add", f"{work}/staging", "--repo", f"{work}/repo",
                    "--delegation-key", f"{work}/team.key", "--now", str(T + 60)] + online,
                   **quiet)
    return f"{work}/repo/metadata"


def main():
    mota = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        keys = Keys(mota, work, ["root", "root2", "targets", "snapshot", "timestamp", "team",
                                 "stranger"])
        meta = make_repo(mota, work, keys)
        valid = {n: open(f"{meta}/{n}", "rb").read() for n in
                 ["1.root.json", "2.targets.json", "1.mlp.json", "2.snapshot.json",
                  "timestamp.json"]}
        doc = {n: json.loads(b) for n, b in valid.items()}
        root = doc["1.root.json"]["signed"]
        ids = {n: keyid_of(root, keys.public_hex(n)) for n in keys.keys}
        ids["team"] = keyid_of(doc["2.targets.json"]["signed"]["delegations"],
                               keys.public_hex("team"))
        # Keys the repository does not list, with their ids as the tools compute them.
        for name in ("root2", "stranger"):
            ids[name] = hashlib.sha256(canonical(key_json(keys, name)).encode()).hexdigest()
        root2_key = key_json(keys, "root2")

        for sub in ("valid", "invalid"):
            shutil.rmtree(f"{HERE}/{sub}", ignore_errors=True)
            os.makedirs(f"{HERE}/{sub}")
        for name, data in valid.items():
            open(f"{HERE}/valid/{name}", "wb").write(data)

        invalid = {}
        ts = doc["timestamp.json"]["signed"]
        tampered = json.loads(valid["timestamp.json"])
        tampered["signed"]["meta"]["snapshot.json"]["version"] = 3
        invalid["tampered_body.timestamp"] = (
            canonical(tampered).encode(), "Ed25519 signature does not verify")
        invalid["unlisted_key.timestamp"] = (
            keys.sign(ts, ["stranger"], ids), "not authorized for this role")
        two = json.loads(json.dumps(root))
        two["version"] = 2
        two["keys"][ids["root2"]] = root2_key
        two["roles"]["root"] = {"keyids": sorted([ids["root"], ids["root2"]]), "threshold": 2}
        invalid["threshold_not_met.root"] = (
            keys.sign(two, ["root"], ids), "role root has 1 valid signature(s) from distinct "
            "authorized keys, threshold is 2")
        expired = dict(ts, version=ts["version"] + 1, expires=utc(T + 100))
        invalid["expired.timestamp"] = (keys.sign(expired, ["timestamp"], ids),
                                        "expired at " + utc(T + 100))
        rollback = dict(ts, version=ts["version"] - 1)
        invalid["rollback.timestamp"] = (keys.sign(rollback, ["timestamp"], ids),
                                         "version 1 is lower than the trusted version 2")
        role = json.loads(json.dumps(doc["1.mlp.json"]["signed"]))
        role["version"] = 2
        (path, entry), = role["targets"].items()
        entry["custom"]["model"] = "resnet"
        role["targets"] = {path.replace("models/mlp/", "models/resnet/"): entry}
        invalid["other_model_path.mlp"] = (
            keys.sign(role, ["team"], ids), "may not list target \"models/resnet/")
        pretty = json.dumps(json.loads(valid["timestamp.json"]), indent=1).encode()
        invalid["non_canonical.timestamp"] = (pretty, "not in canonical form")
        for stem, (data, expected) in invalid.items():
            open(f"{HERE}/invalid/{stem}.json", "wb").write(data)
            open(f"{HERE}/invalid/{stem}.expected", "w").write(expected + "\n")


if __name__ == "__main__":
    main()
