"""The ``tf1gan`` command: argparse subcommands, and bad input turned into one-line errors.

Every ``Tf1ganError`` becomes ``tf1gan: error: <message>`` on stderr and the
error's exit code; argparse's usage errors are one line too. TensorFlow is only
imported once a command runs, so ``--help`` and flag errors answer at once.
"""

import argparse
import dataclasses
import os
import shlex
import signal
import sys
import time
from typing import Tuple

from tf1gan import __version__, config, signals
from tf1gan.errors import ConfigError, Interrupted, Tf1ganError

EXIT_CODES = """exit codes: 0 done, 1 other error, 2 bad flag or setting, 3 data error,
4 run folder error, 5 non-finite loss, 6 golden check failed,
130 / 143 stopped by SIGINT / SIGTERM (resumable)"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, pointing at ``--help``."""

    def error(self, message):
        self.exit(2, "%s: error: %s (see %s --help)\n" % (self.prog, message, self.prog))


def _widths(text):
    try:
        widths = tuple(int(w) for w in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("expected comma-separated layer widths like 256,512, got %r" % text)
    return widths


def _seed(text):
    """argparse type of every --seed: a whole number in [0, 2**31)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number, got %r" % text)
    if not 0 <= value < 2**31:
        raise argparse.ArgumentTypeError("must be in [0, 2**31), got %d" % value)
    return value


def _step(text):
    """argparse type of a checkpoint's step (--resume-from)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a step number, got %r" % text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more, got %d" % value)
    return value


def _at_least_one(text):
    """argparse type of counts (--n, --steps of compare and classifier): an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number, got %r" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1, got %d" % value)
    return value


def _add_train(sub):
    p = sub.add_parser(
        "train",
        help="train a GAN into a run folder",
        description="Train the GAN in TF1 graph mode: a discriminator Adam step, then a generator Adam step "
        "that sees the updated discriminator, every step. Settings start from the --arch preset; "
        "flags override it. Writes config.json, metrics.jsonl, TensorBoard events, "
        "samples/step_NNNNNN.png, loss_curve.png and checkpoints/ into --out; with the quality monitor on "
        "(--monitor-every), also checkpoints/best.*: the weights of the lowest validation FCD so far "
        "(--checkpoint best of sample, evaluate, export). Ends by naming the best step and its FCD.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    groups = {name: p.add_argument_group(name) for name in config.GROUPS}
    for f in dataclasses.fields(config.Config):
        meta = f.metadata
        kind = {int: int, float: float}.get(f.type, _widths if f.type == Tuple[int, ...] else str)
        groups[meta["group"]].add_argument(
            config.flag_of(f.name), dest=f.name, type=_seed if f.name == "seed" else kind, choices=meta["choices"],
            help=meta["help"],
        )  # fmt: skip
        if f.name == "lr_d":  # one flag for both rates, beside the two
            groups[meta["group"]].add_argument("--lr", type=float, help="Adam learning rate of both networks")
    g = groups["execution and outputs"]
    g.add_argument("--out", help="run folder (default: $TF1GAN_RUNS or runs/, then <dataset>-<arch>-<date>-<time>)")
    g.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its latest checkpoint (same settings; --steps may grow)",
    )
    g.add_argument(
        "--resume-from",
        type=_step,
        metavar="STEP",
        help="continue the run in --out from its checkpoint of this step (implies --resume); for when the "
        "latest checkpoint is damaged or missing, as the error then says",
    )
    g.add_argument(
        "--early-stop",
        type=_at_least_one,
        metavar="N",
        help="stop (with a checkpoint, exit 0) after N quality checks (--monitor-every) without a better "
        "validation FCD; --resume continues such a run like any other. Not a setting of the run: give it "
        "again when resuming",
    )
    g.add_argument(
        "--force",
        action="store_true",
        help="start over in an --out that already holds a run, deleting the files tf1gan wrote there "
        "(checkpoints, samples, logs; anything else stays). A run is recognised by its .tf1gan-run marker "
        "or its tf1gan config.json, never by file names: any other folder, or one where a link stands in for "
        "tf1gan's files, is refused before anything is deleted",
    )
    p.set_defaults(func=cmd_train)


def setting_changes(args):
    """Config field -> value for every setting flag given on the command line.

    Two flags reach further than one field: --hidden also mirrors the
    discriminator (unless --d-hidden is given), and --lr sets both rates
    (unless --lr-g / --lr-d are given).
    """
    changes = {f: getattr(args, f) for f in config.field_names() if getattr(args, f) is not None}
    if args.g_hidden is not None and args.d_hidden is None:
        changes["d_hidden"] = tuple(reversed(args.g_hidden))
    for name in ("lr_g", "lr_d"):
        if getattr(args, name) is None and args.lr is not None:
            changes[name] = args.lr
    return changes


def cmd_train(args):
    from tf1gan import runs, train

    changes = setting_changes(args)
    resume = args.resume or args.resume_from is not None
    if resume:
        if args.out is None:
            raise ConfigError("--resume needs --out, the run folder to continue")
        # train.train checks that only --steps (and where the data is) changed
        settings = runs.RunFolder(args.out).read_config().replace(**changes)
    else:
        settings = config.preset(args.arch or "default").replace(**changes)
    out = args.out
    if out is None:
        name = "%s-%s-%s" % (settings.dataset, settings.arch, time.strftime("%Y%m%d-%H%M%S"))
        out = os.path.join(os.environ.get("TF1GAN_RUNS", "runs"), name)
    result = train.train(
        settings, out, resume=resume, force=args.force, resume_from=args.resume_from, early_stop=args.early_stop
    )
    print("run folder: %s (step %d, %.1f steps/s)" % (result.folder, result.step, result.steps_per_s))
    if result.best:
        print(result.best)


_CHECKPOINT_HELP = (
    "which checkpoint of the run: latest (the default), best (the best validation FCD the training monitor "
    "saw), a step number, or a model.ckpt-STEP path"
)


def _checkpoint_used(run, which):
    """``(checkpoint of step N, the best|latest)``: the words naming the checkpoint ``which`` picks in ``run``."""
    from tf1gan import runs

    step = runs.RunFolder(run).checkpoint(which).step
    kind = {"best": ", the best", None: ", the latest", "latest": ", the latest"}.get(which, "")
    return "checkpoint of step %d%s" % (step, kind)


def _add_sample(sub):
    p = sub.add_parser(
        "sample",
        help="write samples of a trained run",
        description="Sample the generator of a run (its averaged weights when the run keeps "
        "an average) from the latest, the best (by validation FCD) or a given checkpoint, and say which.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--run", required=True, help="run folder")
    p.add_argument("--n", type=_at_least_one, default=10000, help="number of samples (default 10000)")
    p.add_argument("--out", required=True, help="FILE.npy (float32 [n, 784] in [0, 1]) or FILE.png (a grid)")
    p.add_argument("--checkpoint", help=_CHECKPOINT_HELP)
    p.add_argument("--seed", type=_seed, default=0, help="noise seed (default 0)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists (refused otherwise)")
    p.set_defaults(func=cmd_sample)


def cmd_sample(args):
    from tf1gan import sample

    used = _checkpoint_used(args.run, args.checkpoint)
    out, n = sample.write_samples(
        args.run, args.n, args.out, seed=args.seed, checkpoint=args.checkpoint, force=args.force
    )
    print("wrote %d samples to %s (%s)" % (n, out, used))


def _add_export(sub):
    p = sub.add_parser(
        "export",
        help="export a run's generator as a SavedModel and a frozen GraphDef",
        description="Write EXPORT_DIR/saved_model (signature serving_default: inputs z [N, z_dim], outputs images "
        "[N, 784] in [0, 1]), EXPORT_DIR/generator_frozen.pb (Z:0 in, images:0 out) and "
        "EXPORT_DIR/export.json (the noise to feed and where the weights came from). The generator "
        "is the one tf1gan sample runs, with the same weights.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--run", required=True, help="run folder")
    p.add_argument("--out", required=True, help="export folder (must not exist, or be empty, unless --force)")
    p.add_argument("--checkpoint", help=_CHECKPOINT_HELP)
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an earlier export in --out (only one whose every file its export.json lists)",
    )
    p.set_defaults(func=cmd_export)


def cmd_export(args):
    from tf1gan import export

    used = _checkpoint_used(args.run, args.checkpoint)
    print("exported %s (%s) to %s" % (args.run, used, export.export(args.run, args.out, args.checkpoint, args.force)))


def _add_evaluate(sub):
    p = sub.add_parser(
        "evaluate",
        help="quality figures of a run's samples (or of a .npy of samples)",
        description="Score 10,000 samples with the data set's shipped evaluation classifier and the held-out "
        "images: classifier score, Frechet classifier distance, class histogram and coverage, "
        "Parzen-window log-likelihood (Goodfellow et al. 2014) and the share of near copies of "
        "training images, each beside the same figure for real held-out images. Where the data set has one, "
        "a second evaluation model of another design (tf1gan/allconv.py), that nothing was tuned against, "
        "gives its own classifier score, Frechet distance and classes covered beside its real-image figures.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--run", help="run folder to sample from (latest checkpoint, or --checkpoint)")
    src.add_argument("--samples", help="FILE.npy: float32 [N, 784] in [0, 1]")
    p.add_argument(
        "--checkpoint",
        help="with --run: " + _CHECKPOINT_HELP,
    )
    p.add_argument("--dataset", help="reference data set (default: the run's, or mnist10k for --samples)")
    p.add_argument("--data-dir", help="folder holding the data set's IDX files")
    p.add_argument("--n", type=_at_least_one, default=10000, help="samples to draw with --run (default 10000)")
    p.add_argument("--seed", type=_seed, default=0, help="noise seed with --run (default 0)")
    p.add_argument("--json", help="also write the figures to this JSON file")
    p.add_argument("--force", action="store_true", help="replace the --json file if it exists (refused otherwise)")
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args):
    from tf1gan import evaluate, fileio, owned, sample

    if args.json:
        owned.check_new_file(args.json, args.force)  # refused before the work, not after it
    used = None
    if args.run is not None:  # --run "" is a run folder that is not there, not the absence of --run
        used = _checkpoint_used(args.run, args.checkpoint)
        samples, run_config = sample.draw(args.run, args.n, args.seed, args.checkpoint)
        dataset = args.dataset or run_config.dataset
    else:
        samples = sample.load_samples(args.samples)
        dataset = args.dataset or "mnist10k"
    with evaluate.Evaluator(dataset, args.data_dir) as ev:
        figures, real = ev.figures(samples), ev.real_figures()
    print(
        "%d samples%s against %s (classifier test accuracy %.2f%%)"
        % (len(samples), " of the %s" % used if args.run else "", dataset, 100 * ev.classifier_meta["test_accuracy"])
    )
    print(evaluate.table(figures, real, ev.dataset.classes))
    if args.json:
        fileio.atomic_write(
            args.json,
            evaluate.to_json(
                figures,
                real,
                dataset=dataset,
                n_samples=len(samples),
                source=args.samples if args.run is None else args.run,
                checkpoint=used,
            ),
        )


def _add_classifier(sub):
    p = sub.add_parser(
        "classifier",
        help="train the evaluation classifier of a data set",
        description="Train the small TF1 convnet that tf1gan evaluate uses, on the data set's training split, "
        "and write its weights and held-out accuracy to --out/DATASET.npz and --out/DATASET.json. tf1gan "
        "evaluate reads the classifier shipped in the package (tf1gan/classifiers/), which is never written "
        "unless --out names that folder and --force is given.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--dataset", default="mnist10k", help="data set (default mnist10k)")
    p.add_argument("--data-dir", help="folder holding the data set's IDX files")
    p.add_argument(
        "--model",
        choices=("classifier", "allconv"),
        default="classifier",
        help="'classifier': the evaluation classifier (DATASET.npz); 'allconv': the second, independent "
        "evaluation model of another design and recipe (DATASET.allconv.npz; see tf1gan/allconv.py)",
    )
    p.add_argument(
        "--steps",
        type=_at_least_one,
        help="training steps (default: 3000 of batch 128 for classifier, 2500 of batch 64 for allconv)",
    )
    p.add_argument("--seed", type=_seed, help="seed (default: 0 for classifier, 1 for allconv)")
    p.add_argument(
        "--out", required=True, help="folder for DATASET.npz and DATASET.json (DATASET.allconv.* for allconv)"
    )
    p.add_argument("--force", action="store_true", help="replace the files --out holds of this data set and model")
    p.set_defaults(func=cmd_classifier)


def cmd_classifier(args):
    from tf1gan import allconv, classifier, data, owned

    if not args.out.strip():
        raise ConfigError("--out is empty: name the folder for the classifier's .npz and .json")
    ds = data.load(args.dataset, args.data_dir)
    second = args.model == allconv.NAME
    for path in classifier.paths(ds.name, args.out, model=allconv.NAME if second else None):
        owned.check_new_file(path, args.force)  # refused before the training, not after it
    chosen = {k: v for k, v in (("steps", args.steps), ("seed", args.seed)) if v is not None}
    weights, meta = (allconv if second else classifier).train(
        ds, progress=lambda text: print(text, file=sys.stderr), **chosen
    )
    meta["command"] = "tf1gan classifier --dataset %s --model %s --steps %d --seed %d" % (
        ds.name,
        args.model,
        meta["steps"],
        meta["seed"],
    )
    npz = classifier.save(weights, meta, ds.name, args.out, allconv.NAME if second else None)
    print(
        "test accuracy %.2f%% on %d held-out images; wrote %s" % (100 * meta["test_accuracy"], meta["test_images"], npz)
    )


def _add_compare(sub):
    p = sub.add_parser(
        "compare",
        help="the article's listing as printed, every fix of it, and tf1gan, side by side",
        description="Run (1) the article's listing as printed, recording the exception it raises; (2) every "
        "subset of the edits that make it run, and the figure it draws after its own 200 iterations with the "
        "smallest; (3) the fix ladder: one fix more at a time, from the listing as printed to the listing that "
        "computes what tf1gan --arch article --z-dim 256 computes; (4) leave one out: the fixed listing with "
        "one defect put back at a time; (5) tf1gan with the article's preset and with its default; with "
        "--seeds N also (6) the seed study: tf1gan train --arch article and the default with seeds 0..N-1, "
        "recording classes covered over time, run as tf1gan sweep trials (on Ray; on a cluster with RAY_ADDRESS). "
        "Every variant trains the same steps on the same batches with "
        "the same seed and batch size (128, the listing's). Writes DIR/report.md (with PNGs), a "
        "self-contained DIR/report.html and DIR/tables.json (the raw figures of the ladder and leave-one-out "
        "tables, with the settings, machine, commit and command line), and prints a summary table. An earlier "
        "report in DIR (report.md, report.html, tables.json, its PNGs), or its runs DIR/runs/article and "
        "DIR/runs/default, is replaced only with "
        "--force; seed runs with the same settings are continued, not trained again. --force replaces only "
        "what compare wrote (DIR/.tf1gan-compare lists its files) and runs tf1gan made, never a user's file, "
        "a link or a folder of other files: compare refuses those before any work.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", required=True, help="report folder")
    p.add_argument("--steps", type=_at_least_one, default=2000, help="training steps of every version (default 2000)")
    p.add_argument("--dataset", default="mnist10k", help="data set (default mnist10k)")
    p.add_argument("--data-dir", help="folder holding the data set's IDX files")
    p.add_argument("--seed", type=_seed, default=1234, help="seed of every version (default 1234, the listing's)")
    p.add_argument("--no-evaluate", action="store_true", help="skip the quality figures (faster)")
    p.add_argument(
        "--eval-samples",
        type=_at_least_one,
        default=10000,
        help="samples each version's quality figures are computed on (default 10000)",
    )
    p.add_argument(
        "--seeds",
        type=int,
        default=0,
        help="seed study: train --arch article and the default with seeds 0..N-1 (default 0: no seed study)",
    )
    p.add_argument(
        "--seed-steps", type=_at_least_one, default=20000, help="training steps of each seed-study run (default 20000)"
    )
    p.add_argument(
        "--monitor-every",
        type=_at_least_one,
        default=500,
        help="steps between the seed-study runs' class-coverage checks (default 500)",
    )
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the report: en or zh (Chinese)")
    p.add_argument(
        "--force", action="store_true", help="replace an earlier report, its PNGs and its runs in --out (only those)"
    )
    p.set_defaults(func=cmd_compare)


def cmd_compare(args):
    from tf1gan import compare, evaluate

    # every flag is checked here, before the studies spend minutes
    if args.seeds < 0:
        raise ConfigError("--seeds must be 0 (no seed study) or more, got %d" % args.seeds)
    if not args.no_evaluate and args.eval_samples < evaluate.MIN_SAMPLES:
        raise ConfigError("--eval-samples must be at least %d, got %d" % (evaluate.MIN_SAMPLES, args.eval_samples))
    rows, paths, _ = compare.compare(
        args.out,
        lang=args.lang,
        force=args.force,
        steps=args.steps,
        dataset=args.dataset,
        seed=args.seed,
        data_dir=args.data_dir,
        evaluate_samples=not args.no_evaluate,
        eval_samples=args.eval_samples,
        seeds=args.seeds,
        seed_steps=args.seed_steps,
        monitor_every=args.monitor_every,
        command=" ".join(["tf1gan"] + [shlex.quote(a) for a in args.argv]),
    )
    print(compare.format_summary(rows))
    print("report: %s and %s" % paths)


def _add_sweep(sub):
    p = sub.add_parser(
        "sweep",
        help="train a grid of settings and seeds on Ray, here or on a cluster, and compare them",
        description="Train every combination of the --grid settings with every seed, each trial an ordinary "
        "tf1gan train run folder DIR/trials/NAME run as its own process by a Ray task; evaluate each as it ends "
        "(tf1gan evaluate) and write DIR/sweep.json, DIR/sweep.md (one row per trial, and each setting's mean "
        "and spread over its seeds) and DIR/sweep.png (each setting over training). A trial whose process or "
        "Ray worker dies resumes from its last checkpoint; the same command again skips finished trials and "
        "resumes the others; a trial failing on its settings is reported and the others go on. With no "
        "--address, Ray runs inside this process on 127.0.0.1 only, without its dashboard. docs/sweep.md has "
        "the cluster (KubeRay) set-up.",
        epilog=EXIT_CODES + "\n1 also when any trial failed (sweep.md names each one's error)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", required=True, help="sweep folder")
    p.add_argument(
        "--grid",
        action="append",
        metavar="KEY=V1,V2",
        help="a tf1gan train flag (without --) and its values, e.g. arch=default,dcgan; separate values holding "
        "commas with ';' (hidden=64,32;128,64; one such value: hidden=64,32;); repeat for more keys; one value sets "
        "it for every trial",
    )
    p.add_argument("--file", help="a JSON (or TOML) file with grid, seeds and steps; --grid, --seeds, --steps win")
    p.add_argument("--seeds", help="seeds of every setting: 0-4, 0,3,7 or 2 (default 0)")
    p.add_argument("--steps", type=_at_least_one, help="training steps of every trial (default: the preset's)")
    p.add_argument("--workers", type=_at_least_one, help="trials at once (default: this machine's cores // --threads)")
    p.add_argument("--threads", type=_at_least_one, default=1, help="TensorFlow threads of each trial (default 1)")
    p.add_argument(
        "--address",
        help="join the Ray cluster at this address (default: $RAY_ADDRESS, else Ray inside this process on "
        "127.0.0.1); a cluster belongs on a private network: Ray has no authentication",
    )
    p.add_argument(
        "--eval-samples",
        type=int,
        default=10000,
        help="samples tf1gan evaluate scores each trial on (default 10000; 0 skips the evaluation)",
    )
    p.add_argument(
        "--retries", type=int, default=3, help="restarts of a trial whose process or Ray worker died (default 3)"
    )
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args):
    from tf1gan import sweep, sweep_grid

    doc = sweep_grid.read_file(args.file) if args.file else {}
    seeds = sweep_grid.parse_seeds(args.seeds if args.seeds is not None else doc.get("seeds", 0))
    steps = args.steps or doc.get("steps")
    if args.eval_samples != 0 and args.eval_samples < 100:
        raise ConfigError("--eval-samples must be 0 (no evaluation) or at least 100, got %d" % args.eval_samples)
    grid = sweep_grid.merge(doc, args.grid)
    trials = sweep_grid.trials(grid, seeds, steps, args.threads, os.path.join(os.path.abspath(args.out), "trials"))
    results = sweep.run(
        trials, args.out, args.workers, args.threads, args.address, args.eval_samples, max(args.retries, 0)
    )
    failed = [r for r in results if r["status"] != "done"]
    print("sweep: %s/sweep.md (%d trials, %d failed)" % (args.out, len(results), len(failed)))
    if failed:
        raise Tf1ganError(
            "%d of %d trials failed; %s/sweep.md names each one's error" % (len(failed), len(results), args.out)
        )


def _add_golden(sub):
    p = sub.add_parser(
        "golden",
        help="check (or update) the golden snapshots of what the graph computes",
        description="Recompute the snapshots of tests/golden/ (graph structure, outputs for fixed inputs, the "
        "first training steps, the article's listing) and compare them with the saved ones. "
        "Policy: bitwise when the CPU model (or GPU), thread count, TensorFlow and numpy versions "
        "match the snapshot's (tf1gan env shows them); else structure exactly and numbers within "
        "tolerances measured across CPUs (docs/golden.md). Each verdict says which applied and why.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="compare and print what moved; exit 6 if any differs")
    mode.add_argument("--update", action="store_true", help="rewrite the snapshots on purpose and say what changed")
    p.add_argument("--dir", help="snapshot folder (default: tests/golden of this checkout)")
    p.set_defaults(func=cmd_golden)


def cmd_golden(args):
    from tf1gan import golden
    from tf1gan.errors import GoldenMismatch

    if args.dir is not None and not args.dir.strip():  # not the default folder: --update would rewrite it
        raise ConfigError("--dir is empty: name the snapshot folder, or leave --dir out for tests/golden")
    folder = golden.GOLDEN_DIR if args.dir is None else args.dir
    if args.check and not os.path.isdir(folder):
        raise ConfigError("%s: no snapshot folder (make one with tf1gan golden --update)" % folder)
    results = golden.update(folder) if args.update else golden.check(folder)
    print("policy: " + golden.POLICY)
    print(golden.machines_line(folder))
    print(golden.format_results(results))
    if args.update:
        print("rewrote %d snapshot(s) in %s" % (len(results), folder))
    elif not golden.verdict_ok(results):
        moved = [r.name for r in results if r.verdict not in ("bitwise", "within tolerance")]
        raise GoldenMismatch("golden check failed: %s moved beyond the policy" % ", ".join(moved))


def _add_env(sub):
    p = sub.add_parser(
        "env",
        help="what decides whether two runs can be bitwise equal, here or between two runs",
        description="Print the versions that change numbers (TensorFlow, numpy, architecture; Python for the "
        "record), the CPU (vendor, model, family/model/stepping, instruction sets, caches) or GPU "
        "(name, compute capability, CUDA, cuDNN, TF32), the thread count and the environment "
        "variables that change kernels. Every run's config.json holds the same block. With --diff, "
        "say whether two runs can be bitwise equal, and if not, why.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print the block as JSON (as config.json stores it)")
    p.add_argument(
        "--threads",
        type=int,
        default=0,
        help="thread count to describe (default 0: TensorFlow's choice, one per usable CPU)",
    )
    p.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="describe the CPU (default) or the GPU")
    p.add_argument("--diff", nargs=2, metavar=("RUN_A", "RUN_B"), help="compare the blocks of two run folders")
    p.set_defaults(func=cmd_env)


def cmd_env(args):
    import json

    from tf1gan import machine

    if args.diff:
        from tf1gan import runs

        a, b = (runs.RunFolder(path).read_machine() for path in args.diff)
        reasons = machine.bitwise_obstacles(a, b)
        code_a, code_b = a["versions"].get("tf1gan"), b["versions"].get("tf1gan")
        if code_a != code_b:
            reasons.append("other tf1gan: %s vs %s" % (code_a, code_b))
        if reasons:
            print("can differ in their bits: " + "; ".join(reasons))
        else:
            print(
                "can be bitwise equal: same CPU model, threads, versions and environment (%s)" % machine.short_name(a)
            )
        return
    if args.threads < 0:
        raise ConfigError("--threads must be 0 (TensorFlow's choice) or more, got %d" % args.threads)
    if args.device == "gpu":
        from tf1gan import train

        train.resolve_device("gpu")
    block = machine.describe(args.threads, args.device)
    print(json.dumps(block, indent=2, sort_keys=True) if args.json else machine.format_block(block))


def _add_data(sub):
    p = sub.add_parser(
        "data",
        help="list the data sets, or fetch and verify one",
        description="Without flags: each registered data set, where its files are found on this "
        "machine (or that it would be downloaded), and its license. With --fetch: "
        "locate or download the data set and verify every file's checksum. A download gives up after "
        "$TF1GAN_DOWNLOAD_DEADLINE seconds (default 1800), or when under 1 KB arrived in "
        "$TF1GAN_DOWNLOAD_STALL seconds (default 60).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--fetch", metavar="DATASET", help="download (if needed) and verify this data set")
    p.add_argument("--data-dir", help="folder holding the data set's IDX files")
    p.set_defaults(func=cmd_data)


def cmd_data(args):
    from tf1gan import data, download
    from tf1gan.errors import DataError

    if args.fetch:
        ds = data.load(args.fetch, args.data_dir)
        print(
            "%s: %d train, %d validation, %d test images, verified, in %s"
            % (ds.name, len(ds.train.images), len(ds.valid.images), len(ds.test.images), ds.source)
        )
        return
    for name, spec in data.DATASETS.items():
        try:
            where = data.locate(spec, args.data_dir, fetch=False)
        except DataError:
            where = "not here; downloaded on first use from %s" % (
                ", ".join(download.mirrors(spec.mirrors)) or "nowhere"
            )
        print("%-14s %s\n%14s files: %s\n%14s license: %s" % (name, spec.title, "", where, "", spec.license))


def build_parser():
    """The ``tf1gan`` argument parser with every subcommand."""
    parser = _Parser(
        prog="tf1gan",
        description="The classic GAN in TensorFlow 1.x graph mode, made correct.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="tf1gan " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for add in (
        _add_train,
        _add_sample,
        _add_export,
        _add_evaluate,
        _add_compare,
        _add_sweep,
        _add_golden,
        _add_classifier,
        _add_env,
        _add_data,
    ):
        add(sub)
    return parser


def main(argv=None):
    """Run the command line; return the exit code."""
    signals.install()  # python -m tf1gan did already, before importing this module; the console script did not
    # With a file-size limit (ulimit -f), exceeding it should be an error the
    # code can report, not a signal that kills the process mid-write.
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    stdout = sys.stdout
    sys.stdout = _Output(stdout)
    try:
        args = build_parser().parse_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)  # what compare records of the command line
        args.func(args)
        signals.check()  # a signal whose exception a library swallowed still stops the command
        sys.stdout.flush()  # a full or closed stdout fails here, where it can be reported
    except Interrupted as e:  # training saved a checkpoint first
        _error(e)
        return e.exit_code
    except BaseException as e:
        if signals.received() is not None:  # whatever the signal's exception turned into on its way up
            return signals.report(signals.received())
        if isinstance(e, _OutputError):
            # > /dev/full, or the reader of our output went away (| head): the work itself is done; what
            # is left in the buffer goes nowhere, so that Python's own flush at exit does not fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
            if not isinstance(e.error, BrokenPipeError):
                _error(e)
            return e.exit_code
        if isinstance(e, Tf1ganError):
            _error(e)
            return e.exit_code
        raise
    finally:
        sys.stdout = stdout
    return 0


def _error(e):
    """Write ``tf1gan: error: <e>`` as one line: control characters (of a path, say) are shown escaped."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(e))
    sys.stderr.write("tf1gan: error: %s\n" % text)


class _OutputError(Tf1ganError):
    """Standard output cannot be written (a full disk, a closed pipe)."""

    def __init__(self, error):
        Tf1ganError.__init__(self, "cannot write to standard output (%s)" % (error.strerror or error))
        self.error = error


class _Output(object):
    """``sys.stdout`` while a command runs: a write or flush that fails is an :class:`_OutputError`."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        try:
            return self.stream.write(text)
        except OSError as e:
            raise _OutputError(e)

    def flush(self):
        try:
            self.stream.flush()
        except OSError as e:
            raise _OutputError(e)

    def __getattr__(self, name):  # isatty, fileno, encoding ...
        return getattr(self.stream, name)
