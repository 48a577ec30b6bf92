"""A field device for the API fuzzer, speaking sync protocol v1 (docs/PROTOCOL.md) from Python.

scripts/api-fuzz.sh activates real devices with it, so that the fuzzer (hooks.py) can send
requests the server must accept — signed downsyncs, signed batches — and reach the paths behind
the signature checks, not only the refusals in front of them.

    python device.py activate URL CODE KEY_FILE   # prints the device id; the key goes to KEY_FILE
    python device.py check-code DIGITS            # 12 base32 digits and their check character
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

LABEL_ACTIVATE = b"perisai/v1/activate"
LABEL_REQUEST = b"perisai/v1/request"
LABEL_BATCH = b"perisai/v1/batch"


def normalize_code(typed: str) -> str:
    """The activation code as the server reads it (core `activation_code::normalize`)."""
    out = []
    for c in typed.upper():
        if c in "- \t":
            continue
        out.append({"O": "0", "I": "1", "L": "1"}.get(c, c))
    return "".join(out)


DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK = DIGITS + "*~$=U"


def code_with_check(digits: str) -> str:
    """12 Crockford base32 digits and their check character (core `activation_code`)."""
    value = 0
    for d in digits:
        value = (value * 32 + DIGITS.index(d)) % 37
    return digits + CHECK[value]


def activation_request(device: "Device", code: str, proof_code: str | None = None) -> dict:
    """An activation request for `code`, proved by `device`'s key over `proof_code` (the same
    code, unless a wrong proof is wanted)."""
    public_key = device.public_key()
    signed = normalize_code(proof_code or code).encode() + b"\x00" + public_key
    return {
        "v": 1,
        "code": code,
        "public_key": base64.b64encode(public_key).decode(),
        "app_version": "0.1.0-api-fuzz",
        "signature": base64.b64encode(device.sign(LABEL_ACTIVATE, signed)).decode(),
    }


class Device:
    """A device key (P-256) and the id the server bound it to."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, device_id: str = ""):
        self.key = key
        self.device_id = device_id

    @classmethod
    def new(cls) -> "Device":
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def load(cls, key_file: str, device_id: str) -> "Device":
        with open(key_file, "rb") as f:
            return cls(serialization.load_pem_private_key(f.read(), password=None), device_id)

    def save(self, key_file: str) -> None:
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        with open(key_file, "wb") as f:
            f.write(pem)

    def public_key(self) -> bytes:
        """The 65-byte uncompressed point."""
        return self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def sign(self, label: bytes, message: bytes) -> bytes:
        """DER signature over `label ‖ 0x00 ‖ message` (signer::signed_message)."""
        return self.key.sign(label + b"\x00" + message, ec.ECDSA(hashes.SHA256()))

    def request_signature(self, method: str, path: str, body: bytes, nonce: str) -> str:
        """Perisai-Signature of a signed request (protocol::downsync::request_message)."""
        message = b"\x00".join(
            [method.encode(), path.encode(), hashlib.sha256(body).digest(), nonce.encode()]
        )
        return base64.b64encode(self.sign(LABEL_REQUEST, message)).decode()

    def frozen_batch(self, header: dict, body: bytes) -> tuple[bytes, str]:
        """A frozen batch (protocol::batch::freeze) over `body`: header `body_sha256` is filled
        in here; `count` is the caller's. Returns the bytes and the batch hash."""
        header = dict(header, body_sha256=hashlib.sha256(body).hexdigest())
        header_bytes = json.dumps(header, separators=(",", ":")).encode()
        signature = self.sign(LABEL_BATCH, header_bytes)
        framed = (
            len(header_bytes).to_bytes(2, "big")
            + header_bytes
            + len(signature).to_bytes(2, "big")
            + signature
            + body
        )
        return framed, hashlib.sha256(header_bytes).hexdigest()


def genesis_hash(device_id: str) -> str:
    return hashlib.sha256(b"perisai/v1/genesis" + device_id.encode()).hexdigest()


def envelope_payload(answer: bytes) -> dict:
    """The payload of a signed envelope (not verified: the fuzzer checks shapes, not trust)."""
    return json.loads(base64.b64decode(json.loads(answer)["payload"]))


def activate(url: str, code: str, key_file: str) -> str:
    device = Device.new()
    answer = urllib.request.urlopen(
        urllib.request.Request(
            url.rstrip("/") + "/v1/activate",
            data=json.dumps(activation_request(device, code)).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        ),
        timeout=30,
    ).read()
    device.device_id = envelope_payload(answer)["device_id"]
    device.save(key_file)
    return device.device_id


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "activate":
        print(activate(sys.argv[2], sys.argv[3], sys.argv[4]))
    elif len(sys.argv) == 3 and sys.argv[1] == "check-code":
        print(code_with_check(sys.argv[2]))
    else:
        sys.exit("usage: device.py activate URL CODE KEY_FILE | check-code DIGITS")
