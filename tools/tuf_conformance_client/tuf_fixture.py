#!/usr/bin/python3
"""Test fixture for tuf_conformance_client: a TUF repository written the way python-tuf writes one
(securesystemslib keys and signer, json.dumps(indent=1, sort_keys=True) files, keys carrying
keyid_hash_algorithms), with every standard key type: root ed25519, targets ecdsa-sha2-nistp256,
snapshot rsassa-pss-sha256, timestamp ed25519, a delegated role "team" signed with
rsa-pkcs1v15-sha256. Targets carry sha256 and sha512.

  tuf_fixture.py generate DIR   writes DIR/metadata/{1.root.json,timestamp.json,1.snapshot.json,
                                1.targets.json,1.team.json} and DIR/targets/<sha256>.<name>
  tuf_fixture.py serve DIR      serves DIR on 127.0.0.1 (a free port, printed on stdout)
"""
import datetime
import functools
import hashlib
import http.server
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "support"))
from canonical_json import canonical  # noqa: E402  (securesystemslib.formats.encode_canonical)

TARGETS = {"targets": {"file.txt": b"hello from a python-signed repository\n"},
           "team": {"team/model.bin": bytes(range(256)) * 8}}


def expires(days):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(out):
    from securesystemslib import keys
    from securesystemslib.signer import SSlibSigner

    def ed25519_key():
        # securesystemslib needs PyNaCl for ed25519 keys (not packaged here): make the key with
        # cryptography in securesystemslib's key format, keyid computed its way.
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        private = Ed25519PrivateKey.generate()
        raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                                serialization.PublicFormat.Raw)
        key = {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": raw.hex()},
               "private": private}
        key["keyid"] = hashlib.sha256(canonical(public(key)).encode()).hexdigest()
        return key

    def sign(key, payload):
        if key["keytype"] == "ed25519":
            return key["keyid"], key["private"].sign(payload).hex()
        sig = SSlibSigner(key).sign(payload)
        return sig.keyid, sig.signature

    def public(k):
        return keys.format_keyval_to_metadata(k["keytype"], k["scheme"], {"public": k["keyval"]["public"]})

    made = {
        "root": ed25519_key(),
        "targets": keys.generate_ecdsa_key(scheme="ecdsa-sha2-nistp256"),
        "snapshot": keys.generate_rsa_key(bits=2048, scheme="rsassa-pss-sha256"),
        "timestamp": ed25519_key(),
        "team": keys.generate_rsa_key(bits=2048, scheme="rsa-pkcs1v15-sha256"),
    }

    def write(name, role, signed):
        keyid, sig = sign(made[role], canonical(signed).encode())
        doc = {"signatures": [{"keyid": keyid, "sig": sig}], "signed": signed}
        data = json.dumps(doc, indent=1, sort_keys=True).encode()
        with open(os.path.join(out, "metadata", name), "wb") as f:
            f.write(data)
        return data

    def meta(version, data):
        return {"version": version, "length": len(data),
                "hashes": {"sha256": hashlib.sha256(data).hexdigest()}}

    def target_files(role):
        files = {}
        for path, content in TARGETS[role].items():
            hashes = {"sha256": hashlib.sha256(content).hexdigest(),
                      "sha512": hashlib.sha512(content).hexdigest()}
            files[path] = {"length": len(content), "hashes": hashes}
            head, _, base = path.rpartition("/")
            folder = os.path.join(out, "targets", head)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, f"{hashes['sha256']}.{base}"), "wb") as f:
                f.write(content)
        return files

    os.makedirs(os.path.join(out, "metadata"), exist_ok=True)
    common = {"spec_version": "1.0.31", "version": 1}
    root = dict(common, _type="root", expires=expires(365), consistent_snapshot=True,
                keys={made[r]["keyid"]: public(made[r]) for r in
                      ("root", "targets", "snapshot", "timestamp")},
                roles={r: {"keyids": [made[r]["keyid"]], "threshold": 1} for r in
                       ("root", "targets", "snapshot", "timestamp")})
    write("1.root.json", "root", root)
    team = dict(common, _type="targets", expires=expires(90), targets=target_files("team"))
    team_data = write("1.team.json", "team", team)
    targets = dict(common, _type="targets", expires=expires(90), targets=target_files("targets"),
                   delegations={"keys": {made["team"]["keyid"]: public(made["team"])},
                                "roles": [{"name": "team", "keyids": [made["team"]["keyid"]],
                                           "threshold": 1, "terminating": True,
                                           "paths": ["team/*"]}]})
    targets_data = write("1.targets.json", "targets", targets)
    snapshot = dict(common, _type="snapshot", expires=expires(7),
                    meta={"targets.json": meta(1, targets_data), "team.json": meta(1, team_data)})
    snapshot_data = write("1.snapshot.json", "snapshot", snapshot)
    timestamp = dict(common, _type="timestamp", expires=expires(1),
                     meta={"snapshot.json": meta(1, snapshot_data)})
    write("timestamp.json", "timestamp", timestamp)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    handler = functools.partial(QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("generate", "serve"):
        sys.exit(__doc__)
    generate(sys.argv[2]) if sys.argv[1] == "generate" else serve(sys.argv[2])
