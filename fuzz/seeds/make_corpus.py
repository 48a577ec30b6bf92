#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/): valid and near-valid
inputs, small files only. Run from anywhere: `python3 fuzz/seeds/make_corpus.py`. Rewrites the
seeds it makes (named seed-*) and leaves any other file (kept crash reproducers) alone."""

import hashlib
import json
import os
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus")

VALID = {
    "nik": "3201051708900001", "full_name": "Budi Santoso", "birth_place": "Bandung",
    "birth_date": "1990-08-17", "sex": "M", "phone": "0812-3456-7890",
    "address": "Jl. Pasar Baru No. 12", "occupation": "PEDAGANG", "monthly_income": 1500000,
    "programs": ["JKK", "JKM"], "payment_months": 1, "consent": True,
    "enrolled_on": "2026-05-12",
}

WOMAN = dict(VALID, nik="3175 0457 0890 0002", full_name="Siti Ma’ruf", sex="P",
             phone="+62 813 1111 2222", programs=["JHT", "JKK", "JKM"], payment_months=3,
             location={"lat": -6.2, "lon": 106.8, "accuracy_m": 12.5}, supersedes="old-1")

NEAR = [
    dict(VALID, nik="3201051708900000"),            # serial 0000
    dict(VALID, nik="1001053513900000"),            # province, date, serial
    dict(VALID, nik="3201.0517.0890.0001"),         # separators
    dict(VALID, nik="320105170890000"),             # 15 digits
    dict(VALID, phone="0212345678"),                # not a mobile
    dict(VALID, full_name="Budi2"),                 # digit in a name
    dict(VALID, full_name="ǰoko straße"),           # upper-casing decomposes / lengthens
    dict(VALID, birth_date="2024-02-29"),           # too young
    dict(VALID, birth_date="1950-02-29"),           # not a real date
    dict(VALID, monthly_income=10**20),             # does not fit i64
    dict(VALID, monthly_income=1.5),                # not an integer
    dict(VALID, programs=["JKK", "JKK"]),           # duplicate program
    dict(VALID, payment_months=7),
    dict(VALID, consent=False),
    dict(VALID, enrolled_on="2001-01-01"),          # no rule set in force
    dict(VALID, enrolled_on="2026-2-1"),
    dict(VALID, location={"lat": 91, "lon": 0, "accuracy_m": -1}),
    dict(VALID, location={"lat": 1, "lon": 2, "accuracy_m": 3, "alt": 4}),
    dict(VALID, sex="X", occupation="ASTRONOT", extra_field=1),
    dict(VALID, nik=None, full_name="   ", address=5),
]

WIRE = dict(VALID, id="0192f0a0-0000-7000-8000-000000000001", receipt_no=1, form_version=1,
            rule_set="bpu-2026", created_at="2026-05-12T09:00:00+07:00",
            consent={"text_version": "v1", "at": "2026-05-12T09:00:00+07:00"},
            confirmed_warnings=["nik.birth_date_mismatch"], device_id="dev-fuzz",
            full_name="BUDI SANTOSO", phone="+6281234567890")
TOMBSTONE = {"id": "0192f0a0-0000-7000-8000-000000000002", "receipt_no": 2,
             "created_at": "2026-05-12T09:05:00+07:00", "device_id": "dev-fuzz", "withdrawn": True}


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


def dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def prefixed(part):
    return len(part).to_bytes(2, "big") + part


def frame(body, count, seq=1):
    header = {"v": 1, "device_id": "dev-fuzz", "seq": seq,
              "prev_hash": hashlib.sha256(b"perisai/v1/genesis" + b"dev-fuzz").hexdigest(),
              "created_at": "2026-11-22T08:00:00+07:00", "count": count,
              "body_sha256": hashlib.sha256(body).hexdigest()}
    signature = bytes([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01])
    return prefixed(dumps(header).encode()) + prefixed(signature) + body


def batch_decoder():
    records = [WIRE, dict(WIRE, id="x2", receipt_no=3), TOMBSTONE]
    plain = dumps(records).encode()
    body = deflate(plain)
    # Mode 0: whole request bodies.
    write("batch_decoder", "0-valid", b"\x00" + frame(body, 3))
    write("batch_decoder", "0-count-mismatch", b"\x00" + frame(body, 2))
    write("batch_decoder", "0-bad-hash", b"\x00" + frame(body, 3)[:-1] + b"\x00")
    write("batch_decoder", "0-seq-zero", b"\x00" + frame(body, 3, seq=0))
    write("batch_decoder", "0-truncated", b"\x00" + frame(body, 3)[:40])
    write("batch_decoder", "0-not-objects", b"\x00" + frame(deflate(b"[1,2]"), 2))
    bomb = deflate(b" " * (3 * 1024 * 1024))  # inflates past the 2 MiB limit
    write("batch_decoder", "0-bomb", b"\x00" + frame(bomb, 1))
    # Mode 1: a body's JSON, framed by the target.
    write("batch_decoder", "1-records", b"\x01\x00" + plain)
    write("batch_decoder", "1-empty", b"\x01\x00[]")
    write("batch_decoder", "1-wrong-count", b"\x01\x85" + plain)
    write("batch_decoder", "1-nested", b"\x01\x00" + b"[{\"a\":" * 20 + b"1" + b"}]" * 20)
    # Mode 2: a deflate stream.
    write("batch_decoder", "2-records", b"\x02" + body)
    write("batch_decoder", "2-stored-block", b"\x02" + b"\x01\x05\x00\xfa\xff[{}] ")


def enrollment_json():
    write("enrollment_json", "valid", dumps(VALID))
    write("enrollment_json", "valid-woman-location", dumps(WOMAN))
    for n, record in enumerate(NEAR):
        write("enrollment_json", f"near-{n:02}", dumps(record))
    write("enrollment_json", "override-nik", dumps({"nik": "9101055708900001"}))
    write("enrollment_json", "override-empty", "{}")
    write("enrollment_json", "not-object", "[1]")


def nik_phone():
    for n, text in enumerate([
        "3201051708900001", "3201.0517-0890 0001", "9101055708900001", "3201052902000001",
        "3201051713900000", "1001053513900000", "320105170890000A",
        "0812-3456-7890", "+62 812 3456 7890", "62.812.3456.7890", "081234567", "08123456789012",
        "0212345678",
        "Budi Santoso", "  siti   aminah ", "Ma’ruf Amin", "R.A. Kartini, S.Pd", "ǰoko", "straße",
        "Jose\u0301", "ꦱꦸꦏꦂꦤ",
        "2024-02-29", "2023-02-29", "0000-01-01", "2026-2-01",
        "ABCD-EFGH-JKMN-P", "abcd efgh jkmn p", "0123456789AB*",
    ]):
        write("nik_phone", f"{n:02}", text)


def server_records():
    write("server_records", "batch", dumps([WIRE, dict(WIRE, id="x2", supersedes="old-1"),
                                            TOMBSTONE]))
    write("server_records", "wire", dumps(WIRE))
    write("server_records", "tombstone-extra", dumps(dict(TOMBSTONE, nik="3201051708900001")))
    write("server_records", "foreign-device", dumps(dict(WIRE, device_id="dev-other")))
    write("server_records", "no-id", dumps({k: v for k, v in WIRE.items() if k != "id"}))
    write("server_records", "unsorted-keys", '{"z":1,"a":{"y":2,"b":[1.5,-0.0,1e300]}}')
    write("server_records", "near", dumps(NEAR[:6]))


if __name__ == "__main__":
    batch_decoder()
    enrollment_json()
    nik_phone()
    server_records()
