"""How saturated the minimally edited listing's discriminator is at the start, over several seeds (entry 12).

For each seed, the listing with ``hidden_784`` (the one-line edit that makes it run) is
built with that seed in its ``tf.set_random_seed`` / ``np.random.seed`` lines, and at
its initial weights: the mean magnitude of the input of D's output layer on the first
64 training images, the share of the first sigmoid (``logits``) that is exactly 0 or 1
in float32 on them, and the same share of ``D_fake`` on 64 fakes of uniform noise.
No training: a graph build per seed. Writes JSON with the command and commit.

    python benchmarks/init_saturation.py --seeds 0-9,1234 --out docs/measurements/init_saturation.json
"""

import argparse
import json
import os
import platform
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tf1gan import data, listing  # noqa: E402
from tf1gan.tfcompat import TF_VERSION, tf  # noqa: E402


def seeds_arg(text):
    """'0-9,1234' -> [0, 1, ..., 9, 1234]."""
    out = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def saturation(seed, batch):
    """(mean |input of D's output layer|, share of logits exactly 0 or 1, share of D_fake exactly 0 or 1)."""
    text = listing.edited(listing.MINIMAL, seed=seed, compat_tf=True)
    ns = {"__name__": "__article_listing__"}
    graph = tf.Graph()
    with graph.as_default():
        exec(compile(listing._segments(text)["graph"], listing.FILENAME, "exec"), ns)
        init = tf.global_variables_initializer()
    z = np.random.RandomState(0).uniform(-1, 1, (len(batch), ns["Z"].shape.as_list()[1]))
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        pre, out, fake = sess.run([ns["logits"].op.inputs[0], ns["logits"], ns["D_fake"]], {ns["X"]: batch, ns["Z"]: z})
    return float(np.abs(pre).mean()), float(np.mean((out == 0) | (out == 1))), float(np.mean((fake == 0) | (fake == 1)))


def main(argv=None):
    """Measure every seed, print one line each, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seeds_arg, default=seeds_arg("0-9,1234"))
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    batch = data.to_unit(data.load("mnist10k").train.images[:64])
    rows = []
    for seed in args.seeds:
        size, real, fake = saturation(seed, batch)
        rows.append({"seed": seed, "mean_abs_pre_sigmoid": size, "logits_saturated": real, "d_fake_saturated": fake})
        print(
            "seed %5d: mean |pre-sigmoid| %.1f, logits 0 or 1: %.0f%%, D_fake 0 or 1: %.0f%%"
            % (seed, size, 100 * real, 100 * fake)
        )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, stdout=subprocess.PIPE, universal_newlines=True)
    record = {
        "command": "python " + " ".join(["benchmarks/init_saturation.py"] + (argv or sys.argv[1:])),
        "commit": commit.stdout.strip(),
        "tensorflow": TF_VERSION,
        "machine": platform.processor() or platform.machine(),
        "rows": rows,
    }
    with open(args.out, "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
