"""Wall-clock time for the default configuration to reach given quality, then its full figures.

Trains ``tf1gan train`` (the default preset unless flags say otherwise) with the
quality monitor on, and prints, for each classifier-score threshold, the first
monitored step that reached it and the wall time since training started
(from ``metrics.jsonl``); the time per 1,000 steps; the peak RSS of the
process after training; and at the end ``tf1gan evaluate``'s figures on 10,000 samples.

    python benchmarks/time_to_quality.py                      # the default run, about 9 minutes
    python benchmarks/time_to_quality.py --steps 30 --monitor-every 10 --samples 500   # what the tests run
"""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from throughput import peak_rss_mb  # noqa: E402

from tf1gan import evaluate, runs, sample, train  # noqa: E402
from tf1gan.config import preset  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", default="default")
    p.add_argument("--steps", type=int, help="default: the preset's")
    p.add_argument("--monitor-every", type=int, default=500)
    p.add_argument("--thresholds", default="6,7,8,8.5,9")
    p.add_argument("--samples", type=int, default=10000, help="samples for the final figures")
    p.add_argument("--out", help="run folder (default: a temporary one)")
    args = p.parse_args(argv)
    config = preset(args.arch).replace(monitor_every=args.monitor_every, sample_every=args.monitor_every * 4)
    if args.steps:
        config = config.replace(steps=args.steps, checkpoint_every=args.steps)
    out = args.out or os.path.join(tempfile.mkdtemp(prefix="tf1gan-ttq-"), "run")
    result = train.train(config, out, force=True)
    training_rss = peak_rss_mb()
    records = runs.RunFolder(out).read_metrics()
    quality = [r for r in records if "classifier_score" in r]
    print("\n%s preset, %d steps at %.1f steps/s; run folder %s" % (args.arch, result.step, result.steps_per_s, out))
    per_1000 = records[-1]["elapsed_s"] / result.step * 1000
    print("time per 1,000 steps: %.1f s (monitoring and outputs included)" % per_1000)
    print("%-22s %10s %12s" % ("classifier score >=", "first step", "wall time"))
    for t in (float(x) for x in args.thresholds.split(",")):
        hit = next((r for r in quality if r["classifier_score"] >= t), None)
        print("%-22s %10s %12s" % (t, hit["step"] if hit else "never", "%.0f s" % hit["elapsed_s"] if hit else "-"))
    samples, _ = sample.draw(out, args.samples)
    with evaluate.Evaluator(config.dataset) as ev:
        figures, real = ev.figures(samples), ev.real_figures()
    print("\nfinal figures on %d samples (tf1gan evaluate):" % args.samples)
    print(evaluate.table(figures, real, ev.dataset.classes))
    print("\npeak RSS: %.0f MB by the end of training, %.0f MB with the evaluation" % (training_rss, peak_rss_mb()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
