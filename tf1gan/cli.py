"""The ``tf1gan`` command: argparse subcommands, and bad input turned into one-line errors.

Every ``Tf1ganError`` becomes ``tf1gan: error: <message>`` on stderr and the
error's exit code; argparse's usage errors are one line too. TensorFlow is only
imported once a command runs, so ``--help`` and flag errors answer at once.
"""
import argparse
import os
import signal
import sys
import time

from tf1gan import __version__
from tf1gan.config import ACTIVATIONS, DEVICES, INPUTS, LOSSES, NOISES, OUTPUTS, PRESETS
from tf1gan.errors import ConfigError, Tf1ganError

EXIT_CODES = """exit codes: 0 done, 1 other error, 2 bad flag or setting, 3 data error,
4 run folder error, 5 non-finite loss, 130 / 143 stopped by SIGINT / SIGTERM (resumable)"""


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


def _add_train(sub):
    p = sub.add_parser(
        "train", help="train a GAN into a run folder",
        description="Train the GAN in TF1 graph mode: a discriminator Adam step, then a generator Adam step "
                    "that sees the updated discriminator, every step. Settings start from the --arch preset; "
                    "flags override it. Writes config.json, metrics.jsonl, TensorBoard events, "
                    "samples/step_NNNNNN.png, loss_curve.png and checkpoints/ into --out.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_argument_group("data")
    g.add_argument("--dataset", help="mnist10k (embedded, default), mnist, or fashion_mnist")
    g.add_argument("--data-dir", help="folder holding the data set's IDX files (also the TF tutorial's "
                                      "MNIST_data/ layout); default: system folder, cache, then download")
    g = p.add_argument_group("model")
    g.add_argument("--arch", choices=sorted(PRESETS), default="default",
                   help="preset to start from: 'default' (tuned to train well in minutes) or 'article' "
                        "(the article's z 100 -> 256 -> 784 / 784 -> 256 -> 1, sigmoid output, its "
                        "learning rate and batch size)")
    g.add_argument("--z-dim", type=int, help="noise width")
    g.add_argument("--hidden", type=_widths, help="generator hidden widths, e.g. 256,512; the discriminator "
                                                  "mirrors them unless --d-hidden is given")
    g.add_argument("--d-hidden", type=_widths, help="discriminator hidden widths, e.g. 512,256")
    g.add_argument("--activation", choices=ACTIVATIONS, help="hidden-layer activation")
    g.add_argument("--output", choices=OUTPUTS, help="generator output: sigmoid on [0, 1] pixels, or tanh "
                                                     "with the data scaled to [-1, 1] in the graph")
    g.add_argument("--noise", choices=NOISES, help="noise distribution: uniform(-1, 1) or standard normal")
    g = p.add_argument_group("loss and optimisation")
    g.add_argument("--loss", choices=LOSSES, help="generator loss: nonsaturating -log D(G(z)) or the "
                                                  "paper's minimax log(1 - D(G(z)))")
    g.add_argument("--real-label", type=float, help="target for real images in the D loss (0.9 = one-sided "
                                                    "label smoothing; 1 = none)")
    g.add_argument("--steps", type=int, help="generator steps to train (with --resume: the new total)")
    g.add_argument("--batch-size", type=int, help="images per batch")
    g.add_argument("--lr", type=float, help="Adam learning rate of both networks")
    g.add_argument("--lr-g", type=float, help="generator learning rate (overrides --lr)")
    g.add_argument("--lr-d", type=float, help="discriminator learning rate (overrides --lr)")
    g.add_argument("--beta1", type=float, help="Adam beta1 of both optimisers")
    g.add_argument("--beta2", type=float, help="Adam beta2 of both optimisers")
    g.add_argument("--d-steps", type=int, help="discriminator steps per generator step (k)")
    g.add_argument("--ema", type=float, dest="ema_decay",
                   help="decay of the moving average of generator weights that samples come from (0 = off)")
    g.add_argument("--seed", type=int, help="run seed: weights, data order and noise all derive from it")
    g = p.add_argument_group("execution and outputs")
    g.add_argument("--out", help="run folder (default: runs/<dataset>-<arch>-<date>-<time>)")
    g.add_argument("--resume", action="store_true", help="continue the run in --out from its latest "
                                                         "checkpoint (same settings; --steps may grow)")
    g.add_argument("--force", action="store_true", help="start over in an --out that already holds a run, "
                                                        "deleting its checkpoints, samples and logs")
    g.add_argument("--input", choices=INPUTS, help="'graph' keeps the data in the graph and feeds only batch "
                                                   "indices (fast); 'feed' feeds X and Z every step as the "
                                                   "article does")
    g.add_argument("--device", choices=DEVICES, help="auto uses a GPU when TensorFlow sees one; gpu insists")
    g.add_argument("--threads", type=int, help="TensorFlow thread pools (0 = TensorFlow's choice); results "
                                               "are bitwise repeatable for the same value")
    g.add_argument("--log-every", type=int, help="steps between metrics.jsonl / TensorBoard records")
    g.add_argument("--sample-every", type=int, help="steps between sample grids")
    g.add_argument("--checkpoint-every", type=int, help="steps between checkpoints")
    p.set_defaults(func=cmd_train)


_TRAIN_SETTINGS = ("dataset", "data_dir", "z_dim", "activation", "output", "noise", "loss", "real_label",
                   "steps", "batch_size", "beta1", "beta2", "d_steps", "ema_decay", "seed", "input",
                   "device", "threads", "log_every", "sample_every", "checkpoint_every")


def config_from_args(args):
    """The run's :class:`Config`: the preset, then every flag given on the command line."""
    from tf1gan.config import preset
    changes = {k: getattr(args, k) for k in _TRAIN_SETTINGS if getattr(args, k) is not None}
    if args.hidden is not None:
        changes["g_hidden"] = args.hidden
        changes["d_hidden"] = tuple(reversed(args.hidden))
    if args.d_hidden is not None:
        changes["d_hidden"] = args.d_hidden
    for name in ("lr_g", "lr_d"):
        value = getattr(args, name) if getattr(args, name) is not None else args.lr
        if value is not None:
            changes[name] = value
    return preset(args.arch).replace(**changes), changes


# Settings whose flag is not simply the setting's name with dashes.
_FLAGS = {"g_hidden": "--hidden", "ema_decay": "--ema"}


def flag_of(setting):
    """The command-line flag that sets ``setting``."""
    return _FLAGS.get(setting, "--" + setting.replace("_", "-"))


def cmd_train(args):
    if args.resume:
        if not args.out:
            raise ConfigError("--resume needs --out, the run folder to continue")
        config, changes = config_from_args(args)
        fixed = sorted({flag_of(f) for f in changes if f != "steps"} | ({"--arch"} if args.arch != "default" else set()))
        if fixed:
            raise ConfigError("--resume continues %s with its own settings; only --steps may be given "
                              "(not %s)" % (args.out, ", ".join(fixed)))
        from tf1gan import runs
        config = runs.Run(args.out).read_config()
        if args.steps is not None:
            config = config.replace(steps=args.steps)
    else:
        config, _ = config_from_args(args)
    from tf1gan import train
    out = args.out or os.path.join("runs", "%s-%s-%s" % (config.dataset, config.arch, time.strftime("%Y%m%d-%H%M%S")))
    result = train.train(config, out, resume=args.resume, force=args.force)
    print("run folder: %s (step %d, %.1f steps/s)" % (result.run, result.step, result.steps_per_s))


def _add_sample(sub):
    p = sub.add_parser("sample", help="write samples of a trained run",
                       description="Sample the generator of a run (its averaged weights when the run keeps "
                                   "an average) from the latest or a given checkpoint.",
                       epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="run folder")
    p.add_argument("--n", type=int, default=10000, help="number of samples (default 10000)")
    p.add_argument("--out", required=True, help="FILE.npy (float32 [n, 784] in [0, 1]) or FILE.png (a grid)")
    p.add_argument("--checkpoint", help="checkpoint path prefix (default: the run's latest)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    p.set_defaults(func=cmd_sample)


def cmd_sample(args):
    from tf1gan import sample
    out, images = sample.write_samples(args.run, args.n, args.out, seed=args.seed, checkpoint=args.checkpoint)
    print("wrote %d samples to %s" % (len(images), out))


def build_parser():
    """The ``tf1gan`` argument parser with every subcommand."""
    parser = _Parser(prog="tf1gan", description="The classic GAN in TensorFlow 1.x graph mode, made correct.",
                     epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version="tf1gan " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for add in (_add_train, _add_sample):
        add(sub)
    return parser


def main(argv=None):
    """Run the command line; return the exit code."""
    # With a file-size limit (ulimit -f), exceeding it should be an error the
    # code can report, not a signal that kills the process mid-write.
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except Tf1ganError as e:
        message = str(e)
        setting = getattr(e, "setting", None)
        if setting and message.startswith(setting + " "):
            message = flag_of(setting) + message[len(setting):]
        sys.stderr.write("tf1gan: error: %s\n" % message)
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("tf1gan: interrupted\n")
        return 130
    return 0
