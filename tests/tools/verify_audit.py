#!/usr/bin/env python3
"""Independent verifier for a Keel audit export (JSON Lines), standard library only.

Usage: verify_audit.py EXPORT.jsonl
Checks every record's SHA-256 over its canonical encoding (docs/audit.md), the global chain
(gapless seq, prev_hash) when the export is contiguous, and every instance chain
(gapless instance_seq from 1, instance_prev_hash). Exit 0 when intact, 1 naming the first
broken record.
"""
import hashlib
import json
import sys

GENESIS = "0" * 64


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def main(path):
    records = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    seqs = [r["seq"] for r in records]
    contiguous = all(b == a + 1 for a, b in zip(seqs, seqs[1:]))
    prev = None
    heads = {}
    for r in records:
        body = dict(r)
        claimed = body.pop("hash")
        if body.get("v") != 1:
            return f"seq {r['seq']}: unknown encoding version {body.get('v')}"
        if hashlib.sha256(canonical(body).encode("utf-8")).hexdigest() != claimed:
            return f"seq {r['seq']}: hash mismatch"
        if contiguous:
            expected = GENESIS if prev is None and r["seq"] == 1 else (prev or r["prev_hash"])
            if r["prev_hash"] != expected:
                return f"seq {r['seq']}: prev_hash does not match the previous record"
        prev = claimed
        instance = r.get("instance_id")
        if instance is not None:
            last_seq, last_hash = heads.get(instance, (0, GENESIS))
            if r["instance_seq"] != last_seq + 1 or r["instance_prev_hash"] != last_hash:
                return f"seq {r['seq']}: instance {instance} chain broken at instance_seq {r['instance_seq']}"
            heads[instance] = (r["instance_seq"], claimed)
    print(f"ok: {len(records)} records, {len(heads)} instances")
    return None


if __name__ == "__main__":
    problem = main(sys.argv[1])
    if problem:
        print("broken: " + problem)
        sys.exit(1)
