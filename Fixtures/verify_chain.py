#!/usr/bin/env python3
"""Recompute Chronicle's hash chain with an ordinary LMDB binding (pip install lmdb), without Chronicle.

Usage: python3 Fixtures/verify_chain.py data/log
Each event's hash = SHA-256(previous hash || 8-byte big-endian position || record without its last 32 bytes),
starting from 32 zero bytes; the record's last 32 bytes are the stored hash.

Records of format 2 (first byte 2) name types and tags by key id and give each stream's key id in its
first event: every key id is defined by the event that uses it first. The chain covers those
definitions; this script also checks that the `keys` database (which readers use to look ids up)
holds exactly what they define, and that every reference names a key defined before it.
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


def key_fields(body):
    """(id, kind, name or None) for each key field of a format-2 record, in order: a name for a key the
    record defines, None for one it refers to. Kinds: 0 stream, 1 tag, 2 type."""
    i = 1
    for _ in range(3):  # version, at, schema
        _, i = varint(body, i)
    found = []

    def key(kind, i):
        v, i = varint(body, i)
        if v & 1:
            n, i = varint(body, i)
            found.append((v >> 1, kind, bytes(body[i:i + n])))
            return i + n
        found.append((v >> 1, kind, None))
        return i

    new_stream, i = varint(body, i)  # the stream's new key id + 1 in its first event, else 0
    n, i = varint(body, i)
    if new_stream:
        found.append((new_stream - 1, 0, bytes(body[i:i + n])))
    i += n
    i = key(2, i)  # type
    i = skip_string(body, i)  # actor
    for _ in range(3):  # commandId, correlationId, causationId
        i = skip_string(body, i, optional=True)
    tags, i = varint(body, i)
    for _ in range(tags):
        i = key(1, i)
    if i > len(body):
        raise IndexError("record ends inside its fields")
    return found


env = lmdb.open(sys.argv[1], readonly=True, lock=False, max_dbs=16, subdir=True)
events = env.open_db(b"events", create=False)
keys = env.open_db(b"keys", create=False)
previous, expected = bytes(32), 1
kinds = []  # kind of every key id defined so far: ids are dense, handed out in order of first use
with env.begin() as txn:
    for key, value in txn.cursor(db=events):
        position = struct.unpack(">Q", key)[0]
        if position != expected:
            sys.exit(f"BROKEN at {expected}: event missing")
        body, stored = value[:-32], value[-32:]
        if hashlib.sha256(previous + key + body).digest() != stored:
            sys.exit(f"BROKEN at {position}: hash mismatch")
        if body[0] == 2:
            try:
                fields = key_fields(body)
            except IndexError:
                sys.exit(f"BROKEN at {position}: undecodable record")
            for key_id, kind, name in fields:
                if name is None:
                    if key_id >= len(kinds) or kinds[key_id] != kind:
                        sys.exit(f"BROKEN at {position}: refers to key {key_id}, not defined before as this kind")
                    continue
                if key_id != len(kinds):
                    sys.exit(f"BROKEN at {position}: defines key {key_id} where key {len(kinds)} comes next")
                if txn.get(struct.pack(">I", key_id), db=keys) != bytes([kind]) + name:
                    sys.exit(f"BROKEN at {position}: the keys database disagrees with key {key_id} "
                             f"({name.decode(errors='replace')})")
                kinds.append(kind)
        previous, expected = stored, position + 1
    if kinds and txn.stat(keys)["entries"] != len(kinds):
        sys.exit(f"BROKEN after {expected - 1}: the keys database holds {txn.stat(keys)['entries']} keys "
                 f"where the log defines {len(kinds)}")
print(f"intact: {expected - 1} events, last hash {previous.hex()}")
