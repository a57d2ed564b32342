#!/usr/bin/env python3
"""Recompute Chronicle's hash chain with an ordinary LMDB binding (pip install lmdb), without Chronicle.

Usage: python3 Fixtures/verify_chain.py data/log
Each event's hash = SHA-256(previous hash || 8-byte big-endian position || record without its last 32 bytes),
starting from 32 zero bytes; the record's last 32 bytes are the stored hash.

Records of format 2 (first byte 2) name types and tags by key id, defining each key in the record
that uses it first; the chain covers those definitions, and this script also checks that the `keys`
database (which readers use to look ids up) says the same.
"""
import hashlib
import struct
import sys

import lmdb


def varint(b, i):
    value = shift = 0
    while True:
        byte = b[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i
        shift += 7


def skip_string(b, i, optional=False):
    n, i = varint(b, i)
    if optional:
        return i if n == 0 else i + n - 1
    return i + n


def key_definitions(body):
    """(id, kind, name) for each key a format-2 record defines; kind 1 tag, 2 type."""
    i = 1
    for _ in range(3):  # version, at, schema
        _, i = varint(body, i)
    found = []

    def key(kind, i):
        v, i = varint(body, i)
        if v & 1:
            n, i = varint(body, i)
            found.append((v >> 1, kind, bytes(body[i:i + n])))
            i += n
        return i

    i = skip_string(body, i)  # stream, spelled out
    i = key(2, i)  # type
    i = skip_string(body, i)  # actor
    for _ in range(3):  # commandId, correlationId, causationId
        i = skip_string(body, i, optional=True)
    tags, i = varint(body, i)
    for _ in range(tags):
        i = key(1, i)
    return found


env = lmdb.open(sys.argv[1], readonly=True, lock=False, max_dbs=16, subdir=True)
events = env.open_db(b"events", create=False)
keys = env.open_db(b"keys", create=False)
previous, expected, next_key = bytes(32), 1, 0
with env.begin() as txn:
    for key, value in txn.cursor(db=events):
        position = struct.unpack(">Q", key)[0]
        if position != expected:
            sys.exit(f"BROKEN at {expected}: event missing")
        body, stored = value[:-32], value[-32:]
        if hashlib.sha256(previous + key + body).digest() != stored:
            sys.exit(f"BROKEN at {position}: hash mismatch")
        if body[0] == 2:
            for key_id, kind, name in key_definitions(body):
                if key_id < next_key:  # ids grow in order of first use (streams' ids leave gaps)
                    sys.exit(f"BROKEN at {position}: key {key_id} defined again or out of order")
                if txn.get(struct.pack(">I", key_id), db=keys) != bytes([kind]) + name:
                    sys.exit(f"BROKEN at {position}: the keys database disagrees with key {key_id} ({name.decode()})")
                next_key = key_id + 1
        previous, expected = stored, position + 1
print(f"intact: {expected - 1} events, last hash {previous.hex()}")
