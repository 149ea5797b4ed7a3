#!/usr/bin/env python3
"""Compares `spamgear mail postfix --json --all` with gen_maillog.py's truth file.

usage: mail-truth.py TRUTH.json SPAMGEAR-JSON-OUTPUT
Prints one line per mismatch and 'truth: N accounts, M mismatches'; exits 1 on any.
"""
import json, sys

truth = json.load(open(sys.argv[1]))["users"]
got = {a["account"]: a for a in json.load(open(sys.argv[2]))["accounts"] if a["kind"] == "sasl"}
bad = 0
for user, t in sorted(truth.items()):
    g = got.get(user)
    if not g or g["count"] != t["connections"] or g["ips"] != t["ips"]:
        bad += 1
        print("mismatch %s: truth %d/%d, spamgear %s" % (user, t["connections"], t["ips"],
              "%d/%d" % (g["count"], g["ips"]) if g else "missing"))
for user in sorted(set(got) - set(truth)):
    bad += 1
    print("extra account %s: %d" % (user, got[user]["count"]))
print("truth: %d accounts, %d mismatches" % (len(truth), bad))
sys.exit(1 if bad else 0)
