"""How far two sets of golden snapshots are apart, measured against the tolerances of the golden policy.

For each snapshot present in both folders: how many numbers differ, the
largest absolute difference, and the largest share of the tolerance any one
of them uses (|a - b| / (atol + rtol |a|)): a share of 0.1
means the tolerance has a margin of 10x over the drift seen.

    python scripts/golden_drift.py tests/golden tests/golden/other-cpus/amd-epyc-zen4
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tf1gan import golden  # noqa: E402


def drift(folder_a, folder_b):
    """{snapshot: (numbers differing, max |diff|, largest share of the tolerance, other paths that differ)}."""
    table = {}
    for name in sorted(os.listdir(folder_a)):
        if not name.endswith(".json") or not os.path.exists(os.path.join(folder_b, name)):
            continue
        name = name[:-5]
        a, b = golden.load(name, folder_a), golden.load(name, folder_b)
        same_tensorflow = a["meta"].get("tensorflow") == b["meta"].get("tensorflow")
        diffs = golden.compare(name, a["data"], b["data"], bitwise=False, same_tensorflow=same_tensorflow)
        numeric = [d for d in diffs if d.max_abs is not None]
        other = [d.path for d in diffs if d.max_abs is None and d.status != "version-specific"]
        share = max([d.share for d in numeric] or [0.0])
        table[name] = (len(numeric), max([d.max_abs for d in numeric] or [0.0]), share, other)
    return table


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("a", help="snapshot folder A (the reference)")
    p.add_argument("b", help="snapshot folder B")
    p.add_argument("--json", help="also write the table to this file")
    args = p.parse_args()
    table = drift(args.a, args.b)
    print("%-20s %8s %12s %10s" % ("snapshot", "differ", "max |diff|", "tol used"))
    for name, (n, absd, share, other) in table.items():
        print(
            "%-20s %8d %12.3g %10.3g%s"
            % (name, n, absd, share, "  non-numeric: %s" % ", ".join(other) if other else "")
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(table, f, indent=1)


if __name__ == "__main__":
    main()
