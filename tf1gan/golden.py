"""Golden snapshots of what the graph computes, and the check that tells when a change moved them.

A snapshot is a readable JSON file in ``tests/golden/`` with its metadata (tf1gan,
TensorFlow, numpy and Python versions, platform, config, seed) and one of:

* ``structure_<preset>``: every variable (name, shape, dtype, scope), the
  variables each train op updates, and the op types and counts per scope;
* ``outputs_<preset>``: discriminator logits on a fixed real batch, generator
  samples for a fixed noise batch (values at fixed indices, sum, mean, min,
  max and the sha256 of the float32 bytes), and both losses before training;
* ``trace_<preset>``: D and G losses at every one of the first ``TRACE_STEPS``
  steps of the real training loop, and statistics of every weight at the end;
* ``listing``: the exception of the article's listing as printed, and the loss
  trace of the minimally edited listing.

Comparison policy (``POLICY``): a snapshot must match bitwise when nothing
that decides the bits differs between the machine it was made on and this one:
the CPU model (vendor, family / model / stepping, instruction sets, caches) or
GPU, the thread count, TensorFlow, numpy, the architecture and the environment
variables that select kernels (``tf1gan.machine``; Python's version does not
change a bit and is only recorded). Otherwise structure must match exactly,
and numbers within tolerances measured across CPUs and kernels
(docs/golden.md): ``OUTPUT_TOL`` for outputs of the untrained graph,
``TRACE_TOL`` for anything after training steps, where Adam turns last-bit
differences of a gradient into differences of up to the learning rate. Two
things belong to a TensorFlow release rather than to the graph, and are judged
only against the same release: the primitive ops its Python API lowers each
layer into (op counts), and how its error messages name a node. Across
releases they are listed as ``version-specific``. Every verdict says which
rule applied and why.
"""

import collections
import hashlib
import json
import math
import os
import re

import numpy as np

from tf1gan import data, listing, machine, model, train
from tf1gan.config import preset
from tf1gan.errors import GoldenMismatch, RunError, first_line
from tf1gan.fileio import atomic_write
from tf1gan.tfcompat import session_config, tf

# tests/golden of this checkout; an installed copy (the Docker image) names it in $TF1GAN_GOLDEN
GOLDEN_DIR = os.environ.get("TF1GAN_GOLDEN") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "golden"
)
PRESETS = ("default", "article", "dcgan")
TRACE_STEPS = 20
FIXED_BATCH = 64
THREADS = 1  # one thread: an intra-op thread count is part of what decides the bits
INDICES = (0, 1, 7, 100, 391, 777, 1000, 4321, 9999, 25087)  # flat positions recorded exactly
OUTPUT_TOL = {"rtol": 1e-5, "atol": 1e-6}
TRACE_TOL = {"rtol": 2e-2, "atol": 1e-3}
POLICY = (
    "bitwise when the snapshot was made on the same CPU model (or GPU) with the same thread count, "
    "TensorFlow, numpy, architecture and kernel-selecting environment; otherwise structure exactly, untrained "
    "outputs within rtol %g / atol %g, training traces and final weights within rtol %g / atol %g "
    "(measured across CPUs: docs/golden.md); op counts and the wording of TensorFlow's error messages "
    "only against the same TensorFlow version"
    % (OUTPUT_TOL["rtol"], OUTPUT_TOL["atol"], TRACE_TOL["rtol"], TRACE_TOL["atol"])
)
ACCEPTED = ("within tolerance", "version-specific")

Difference = collections.namedtuple("Difference", "snapshot path status max_abs detail share")
Difference.__doc__ = """One value that moved; ``share`` is |saved - now| / (atol + rtol |saved|) of its
tolerance for numbers (1 is the limit), None for anything else."""
Result = collections.namedtuple("Result", "name verdict max_abs diffs reason")
Result.__doc__ = """One snapshot's check: ``verdict`` is ``bitwise``, ``within tolerance``, ``differs``,
``missing`` or ``unreadable``; ``reason`` says why bitwise equality was or was not required."""


def _num(x):
    """A float for JSON: non-finite values as strings (JSON has no NaN or infinity)."""
    x = float(x)
    return x if math.isfinite(x) else str(x)


def _unnum(x):
    return float(x) if isinstance(x, str) else x


def array_summary(a):
    """Values at fixed flat indices, sum, mean, min, max and the sha256 of the float32 bytes."""
    a = np.ascontiguousarray(a, np.float32)
    flat = a.ravel()
    return {
        "shape": list(a.shape),
        "at": {str(i): _num(flat[i]) for i in INDICES if i < flat.size},
        "sum": _num(flat.astype(np.float64).sum()),
        "mean": _num(flat.astype(np.float64).mean()),
        "min": _num(flat.min()),
        "max": _num(flat.max()),
        "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
    }


def _meta(config):
    here = machine.describe(threads=THREADS)
    meta = dict(here["versions"], config=config.to_dict() if config else None, seed=config.seed if config else None)
    meta.update((k, here[k]) for k in ("cpu", "gpu", "threads", "env") if k in here)
    return meta


def machine_block(meta):
    """The :func:`tf1gan.machine.describe` block a snapshot's ``meta`` records (CPU None if it predates that)."""
    return {
        "versions": {k: meta.get(k) for k in ("tf1gan", "python", "tensorflow", "numpy", "platform", "machine")},
        "cpu": meta.get("cpu"),
        "gpu": meta.get("gpu"),
        "threads": meta.get("threads"),
        "env": meta.get("env", {}),
    }


def golden_config(name):
    """The config snapshots of preset ``name`` are computed with (one thread, as recorded in their meta)."""
    return preset(name).replace(threads=THREADS)


def _structure(config):
    graph = tf.Graph()
    with graph.as_default():
        g = model.build_gan(config.replace(input="feed"))
    variables = [
        {
            "name": v.op.name,
            "shape": v.shape.as_list(),
            "dtype": v.dtype.base_dtype.name,
            "scope": v.op.name.split("/")[0],
        }
        for v in graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)
    ]
    updates = {}
    for name, op in (
        ("d_train", g.train_ops.d_train),
        ("g_train", g.train_ops.g_train),
        ("train_step", g.train_ops.train_step),
    ):
        updates[name] = sorted(_updated_variables(op))
    ops = collections.defaultdict(collections.Counter)
    for op in graph.get_operations():
        ops[op.name.split("/")[0] if "/" in op.name else "(top level)"][op.type] += 1
    return {
        "variables": variables,
        "updates": updates,
        "op_counts": {scope: dict(sorted(c.items())) for scope, c in sorted(ops.items())},
    }


def ops_run_by(targets):
    """Names of every op that running the ops ``targets`` executes: their inputs and control inputs, transitively."""
    seen, stack = set(), list(targets)
    while stack:
        op = stack.pop()
        if op.name in seen:
            continue
        seen.add(op.name)
        stack.extend(i.op for i in op.inputs)
        stack.extend(op.control_inputs)
    return seen


def _updated_variables(op):
    """Names of variables written by the assignment ops that running ``op`` executes."""
    writes = {
        "ResourceApplyAdam",
        "AssignVariableOp",
        "AssignAddVariableOp",
        "AssignSubVariableOp",
        "ApplyAdam",
        "Assign",
        "AssignAdd",
        "AssignSub",
    }
    run, found = ops_run_by([op]), set()
    for o in op.graph.get_operations():
        if o.name in run and o.type in writes:
            handle = o.inputs[0].op
            while handle.type not in ("VarHandleOp", "VariableV2") and handle.inputs:
                handle = handle.inputs[0].op
            if handle.type in ("VarHandleOp", "VariableV2"):
                found.add(handle.name)
    return found


def _fixed_inputs(config, dataset):
    real = data.to_unit(dataset.train.images[:FIXED_BATCH])
    z = model.noise_batch(config, FIXED_BATCH, np.random.RandomState(0))
    return real, z


def _outputs(config, dataset):
    real, z = _fixed_inputs(config, dataset)
    graph = tf.Graph()
    with graph.as_default():
        g = model.build_gan(config.replace(input="feed"))
        init = tf.global_variables_initializer()
    with tf.Session(graph=graph, config=session_config(config.threads, "cpu")) as sess:
        sess.run(init)
        d_logits, samples, d_loss, g_loss = sess.run(
            [g.model.d_real_logits, g.samples.g_sample, g.loss.d_loss, g.loss.g_loss], {g.inputs.X: real, g.inputs.Z: z}
        )
    return {
        "d_real_logits": array_summary(d_logits),
        "g_samples": array_summary(samples),
        "d_loss": _num(d_loss),
        "g_loss": _num(g_loss),
    }


def _trace(config, dataset):
    """The first steps of the real training loop (``train.Trainer``), with no run folder."""
    with train.Trainer(config.replace(steps=TRACE_STEPS), dataset, "cpu") as trainer:
        trainer.start()
        losses = []
        for step in range(TRACE_STEPS):
            values, _ = trainer.step(step)
            losses.append({"step": step + 1, "d_loss": _num(values["d_loss"]), "g_loss": _num(values["g_loss"])})
        weights = {name: array_summary(value) for name, value in trainer.weights().items()}
    return {"losses": losses, "weights": weights}


def _listing(dataset):
    # with tf bound to tf.compat.v1, so TF 1.15 and TF 2 run the same API
    printed = listing.run_as_printed(
        listing.TutorialMNIST(dataset.train.images, dataset.train.labels, 1234), listing.RecordingPyplot(), tf_module=tf
    )
    edited = listing.run(listing.MINIMAL, dataset, steps=TRACE_STEPS)
    return {
        "as_printed": {"type": printed.type, "message": printed.message, "line": printed.line, "text": printed.text},
        "minimal_edits": list(listing.MINIMAL),
        "edited_losses": [
            {"step": r["step"], "d_loss": _num(r["d_loss"]), "g_loss": _num(r["g_loss"])} for r in edited.records
        ],
        "edited_moved": edited.moved,
    }


def snapshots(presets=PRESETS):
    """Compute every snapshot now (of ``presets`` and the listing): name -> {"meta": ..., "data": ...}."""
    dataset = data.load("mnist10k")
    out = collections.OrderedDict()
    for name in presets:
        config = golden_config(name)
        out["structure_" + name] = {"meta": _meta(config), "data": _structure(config)}
        out["outputs_" + name] = {"meta": _meta(config), "data": _outputs(config, dataset)}
        out["trace_" + name] = {"meta": _meta(config), "data": _trace(config, dataset)}
    out["listing"] = {"meta": _meta(None), "data": _listing(dataset)}
    return out


def bitwise_obstacles(meta):
    """Why this machine may compute a snapshot's numbers differently ([] when they must match bitwise)."""
    return machine.bitwise_obstacles(machine_block(meta), machine.describe(threads=THREADS))


def _same_tensorflow(meta):
    return meta.get("tensorflow") == machine.versions()["tensorflow"]


def _node_names_only(message):
    """An error message with TensorFlow's node description reduced to the node's name.

    TF 1.15 writes ``'MatMul_2' (op: 'MatMul')``; TF 2 writes
    ``'{{node MatMul_2}} = MatMul[T=DT_FLOAT, ...](Z, W1/read)'``.
    """
    message = re.sub(r"'\{\{node ([^}]+)\}\}[^']*'", r"'\1'", message)
    return re.sub(r"'([^']+)' \(op: '[^']+'\)", r"'\1'", message)


def tolerance(snapshot, path):
    """The tolerance a number at ``path`` of snapshot ``snapshot`` is held to when bitwise is not required."""
    if snapshot.startswith("trace_") or "edited_losses" in path:
        return TRACE_TOL
    return OUTPUT_TOL


def compare(name, saved, current, bitwise, same_tensorflow=None):
    """Differences between a saved and a current snapshot's data (empty when they match under the policy).

    ``same_tensorflow`` (default: ``bitwise``) says whether both come from the
    same TensorFlow release; if not, op counts and the wording of error messages are
    listed as ``version-specific`` instead of judged.
    """
    diffs = []
    same_tensorflow = bitwise if same_tensorflow is None else same_tensorflow

    def version_specific(path):
        return not same_tensorflow and path.startswith("/op_counts/")

    def walk(a, b, path):
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                if key not in a or key not in b:
                    status = (
                        "version-specific"
                        if version_specific(path + "/" + key)
                        else "missing"
                        if key not in b
                        else "new"
                    )
                    diffs.append(
                        Difference(
                            name,
                            path + "/" + key,
                            status,
                            None,
                            "only in the %s" % ("snapshot" if key not in b else "current graph"),
                            None,
                        )
                    )
                elif key == "sha256" and not bitwise:
                    continue  # bytes are only expected to match bitwise
                else:
                    walk(a[key], b[key], path + "/" + key)
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, "%s[%d]" % (path, i))
        elif version_specific(path):
            if a != b:
                diffs.append(Difference(name, path, "version-specific", None, "%r -> %r" % (a, b), None))
        elif _is_number(a) and _is_number(b) and not isinstance(a, bool):
            x, y = _unnum(a), _unnum(b)
            if x == y or (math.isnan(x) and math.isnan(y)):
                return
            tol = tolerance(name, path)
            finite = math.isfinite(x) and math.isfinite(y)
            share = abs(x - y) / (tol["atol"] + tol["rtol"] * abs(x)) if finite else float("inf")
            close = not bitwise and share <= 1
            diffs.append(
                Difference(
                    name,
                    path,
                    "within tolerance" if close else "differs",
                    abs(x - y) if finite else float("inf"),
                    "%r -> %r" % (a, b),
                    share,
                )
            )
        elif a != b:
            reworded = (
                not same_tensorflow
                and path.endswith("/message")
                and isinstance(a, str)
                and isinstance(b, str)
                and _node_names_only(a) == _node_names_only(b)
            )
            diffs.append(
                Difference(
                    name,
                    path,
                    "version-specific" if reworded else "differs",
                    None,
                    "%s -> %s" % (_short(a), _short(b)),
                    None,
                )
            )

    walk(saved, current, "")
    return diffs


def _is_number(x):
    return isinstance(x, (int, float)) or (isinstance(x, str) and x in ("nan", "inf", "-inf"))


def _short(x):
    text = json.dumps(x, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def path_of(name, folder=None):
    """File of snapshot ``name``."""
    return os.path.join(folder or GOLDEN_DIR, name + ".json")


def load(name, folder=None):
    """A saved snapshot, or None if there is none; a damaged one is a :class:`GoldenMismatch`."""
    path = path_of(name, folder)
    try:
        with open(path) as f:
            snapshot = json.load(f)
        if not isinstance(snapshot, dict) or not {"meta", "data"} <= set(snapshot):
            raise ValueError("no meta and data blocks")
        if not isinstance(snapshot["meta"], dict):
            raise ValueError("its meta is not an object")
        machine.check_block(machine_block(snapshot["meta"]))
        return snapshot
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise GoldenMismatch(
            "%s: not a readable snapshot (%s); restore it (git checkout) or make it anew with "
            "tf1gan golden --update" % (path, first_line(e))
        )


def config_differences(name, saved, current):
    """The settings a snapshot was made with that its preset no longer has, as differences.

    A snapshot of other settings cannot vouch for the preset, even where the numbers
    it holds happen to agree (a changed average decay leaves the 20 traced steps alone).
    """
    saved, current = saved or {}, current or {}
    return [
        Difference(name, "/meta/config/" + key, "differs", None, "%r -> %r" % (saved.get(key), current.get(key)), None)
        for key in sorted(set(saved) | set(current))
        if saved.get(key) != current.get(key)
    ]


def check(folder=None, current=None):
    """Compare every saved snapshot with the current code: a list of :class:`Result`.

    A snapshot must match bitwise when nothing that decides the bits differs
    between the machine it was made on and this one (:func:`bitwise_obstacles`);
    otherwise within the tolerances, and the result's ``reason`` says why.
    """
    current = current if current is not None else snapshots()
    results = []
    for name, snap in current.items():
        try:
            saved = load(name, folder)
        except GoldenMismatch as e:
            results.append(Result(name, "unreadable", None, [], str(e)))
            continue
        if saved is None:
            results.append(Result(name, "missing", None, [], ""))
            continue
        obstacles = bitwise_obstacles(saved["meta"])
        diffs = compare(name, saved["data"], snap["data"], not obstacles, _same_tensorflow(saved["meta"]))
        diffs += config_differences(name, saved["meta"].get("config"), snap["meta"].get("config"))
        if not diffs:
            verdict = "bitwise"
        elif all(d.status in ACCEPTED for d in diffs):
            verdict = "within tolerance"
        else:
            verdict = "differs"
        sizes = [d.max_abs for d in diffs if d.max_abs is not None]
        results.append(
            Result(
                name,
                verdict,
                max(sizes) if sizes else (0.0 if not diffs else None),
                diffs,
                "; ".join(obstacles) if obstacles else "same CPU, threads and versions",
            )
        )
    return results


def update(folder=None, current=None):
    """Rewrite every snapshot from the current code; return what changed, as :func:`check` does."""
    folder = folder or GOLDEN_DIR
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise RunError("%s: cannot create the snapshot folder (%s)" % (folder, e.strerror or e))
    if not os.access(folder, os.W_OK):
        raise RunError("%s: cannot write snapshots here (permission denied)" % folder)
    current = current if current is not None else snapshots()
    results = check(folder, current)
    for name, snap in current.items():
        atomic_write(path_of(name, folder), json.dumps(snap, indent=1, sort_keys=True) + "\n")
    return results


def format_results(results, limit=8):
    """A table of snapshots and verdicts (with why bitwise was or was not required), then what moved most."""
    lines = ["%-22s %-19s %s" % ("snapshot", "largest difference", "verdict")]
    for r in results:
        lines.append(
            "%-22s %-19s %s"
            % (
                r.name,
                "-" if r.max_abs is None else "%.3g" % r.max_abs,
                r.verdict + (" (%s)" % r.reason if r.reason else ""),
            )
        )
    for r in results:
        if r.verdict in ("differs", "within tolerance"):
            # what breaks the policy first, then the largest numeric moves
            worst = sorted(
                r.diffs, key=lambda d: (d.status in ACCEPTED, -(d.max_abs if d.max_abs is not None else float("inf")))
            )
            lines.append("")
            lines.append("%s: %d value(s) moved%s" % (r.name, len(r.diffs), ", largest:" if r.diffs else ""))
            for d in worst[:limit]:
                lines.append("  %-52s %-17s %s" % (d.path, d.status, d.detail))
    return "\n".join(lines)


def machines_line(folder=None):
    """'snapshots made on <cpu>; this machine: <cpu>', naming both processors."""
    try:
        saved = load("trace_default", folder)
        there = machine.short_name(machine_block(saved["meta"])) if saved else "no snapshot"
    except GoldenMismatch:
        there = "unreadable snapshot"
    return "snapshots made on: %s\nthis machine:      %s" % (there, machine.short_name(machine.describe(THREADS)))


def verdict_ok(results):
    """Whether every snapshot matched under the policy."""
    return all(r.verdict in ("bitwise", "within tolerance") for r in results)
