#!/usr/bin/env python3
"""Recompute Chronicle's hash chain with an ordinary LMDB binding (pip install lmdb), without Chronicle.

Usage: python3 Fixtures/verify_chain.py data/log
Each event's hash = SHA-256(previous hash || 8-byte big-endian position || record without its last 32 bytes),
starting from 32 zero bytes; the record's last 32 bytes are the stored hash.
"""
import hashlib
import struct
import sys

import lmdb

env = lmdb.open(sys.argv[1], readonly=True, lock=False, max_dbs=16, subdir=True)
events = env.open_db(b"events", create=False)
previous, expected = bytes(32), 1
with env.begin(db=events) as txn:
    for key, value in txn.cursor():
        position = struct.unpack(">Q", key)[0]
        if position != expected:
            sys.exit(f"BROKEN at {expected}: event missing")
        body, stored = value[:-32], value[-32:]
        if hashlib.sha256(previous + key + body).digest() != stored:
            sys.exit(f"BROKEN at {position}: hash mismatch")
        previous, expected = stored, position + 1
print(f"intact: {expected - 1} events, last hash {previous.hex()}")
