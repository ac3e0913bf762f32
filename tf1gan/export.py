"""Export a run's generator: a SavedModel (noise in, images in [0, 1] out) and a frozen GraphDef.

The exported graph is exactly the one ``tf1gan sample`` runs (``sample.Generator``),
with the same weights (the moving average when the run keeps one), so the same
noise gives the same images in all three.

Layout of EXPORT_DIR::

    saved_model/           tf.saved_model, tag "serve", signature "serving_default":
                           inputs {"z": float32 [N, z_dim]}, outputs {"images": float32 [N, 784]}
    generator_frozen.pb    the same graph with the weights folded in as constants
                           (input tensor "Z:0", output tensor "images:0")
    export.json            z_dim, the noise distribution to feed, the run, checkpoint and versions
"""

import json
import os
import shutil
import tempfile

from tf1gan import machine, runs, sample
from tf1gan.errors import RunError, first_line
from tf1gan.fileio import atomic_write, default_mode
from tf1gan.tfcompat import tf

SIGNATURE = "serving_default"
EXPORT_INFO = "export.json"
# Everything an export folder holds: --force replaces a folder of exactly these, and nothing else.
_EXPORT_ENTRIES = {"saved_model", "generator_frozen.pb", EXPORT_INFO}


def _is_export(folder):
    """Whether ``folder`` is an earlier tf1gan export: its entries, and an export.json that says so."""
    entries = set(os.listdir(folder))
    if not entries or not entries <= _EXPORT_ENTRIES or EXPORT_INFO not in entries:
        return False
    try:
        with open(os.path.join(folder, EXPORT_INFO)) as f:
            info = json.load(f)
        return isinstance(info, dict) and info.get("signature") == SIGNATURE and "z_dim" in info
    except (OSError, ValueError):
        return False


def _check_target(out, run_path, force):
    """Refuse an ``--out`` the export may not replace; a :class:`RunError` that says why."""
    target, run, here = (os.path.realpath(p) for p in (out, run_path, os.getcwd()))
    if target in (run, here) or run.startswith(target + os.sep) or here.startswith(target + os.sep):
        what = (
            "the run folder"
            if target == run
            else "a folder holding the run folder"
            if run.startswith(target + os.sep)
            else "the current folder or one holding it"
        )
        raise RunError("%s is %s; choose another --out for the export" % (out, what))
    if not os.path.exists(out):
        return
    if not os.path.isdir(out):
        raise RunError("%s exists and is not a folder; choose another --out" % out)
    if not os.listdir(out):
        return
    if not force:
        raise RunError("%s already exists; choose another --out or pass --force to replace an earlier export" % out)
    if not _is_export(out):
        raise RunError(
            "%s is not an earlier tf1gan export (%s); --force replaces only those, so choose another --out"
            % (out, "it holds a run" if runs.RunFolder(out).holds_run() else "it holds other files")
        )


def export(run_path, out, checkpoint=None, force=False):
    """Write the SavedModel, frozen graph and export.json of ``run_path`` into ``out``; return ``out``.

    ``out`` must be new or empty; with ``force`` it may also be an earlier
    export (recognised by its contents and export.json), which is replaced only
    once the new one is complete. Nothing else is ever replaced.
    """
    _check_target(out, run_path, force)
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise RunError("%s: folder does not exist" % parent)
    gen = sample.Generator(run_path, checkpoint)
    staging = old = None
    try:
        # build everything beside the target, then move it into place: no half export on failure
        staging = tempfile.mkdtemp(prefix=".export-", dir=parent)
        os.chmod(staging, default_mode(directory=True))  # mkdtemp makes 0700; give what mkdir would
        with gen.graph.as_default():
            builder = tf.saved_model.builder.SavedModelBuilder(os.path.join(staging, "saved_model"))
            signature = tf.saved_model.signature_def_utils.predict_signature_def(
                inputs={"z": gen.Z}, outputs={"images": gen.images}
            )
            builder.add_meta_graph_and_variables(
                gen.sess, [tf.saved_model.tag_constants.SERVING], signature_def_map={SIGNATURE: signature}
            )
            builder.save()
            frozen = tf.graph_util.convert_variables_to_constants(
                gen.sess, gen.graph.as_graph_def(), [gen.images.op.name]
            )
        atomic_write(os.path.join(staging, "generator_frozen.pb"), frozen.SerializeToString())
        info = {
            "z_dim": gen.config.z_dim,
            "noise": gen.config.noise,
            "noise_note": "uniform(-1, 1)" if gen.config.noise == "uniform" else "standard normal",
            "input": gen.Z.name,
            "output": gen.images.name,
            "signature": SIGNATURE,
            "run": os.path.abspath(run_path),
            "checkpoint": gen.checkpoint.prefix,
            "weights": "moving average" if gen.config.ema_decay > 0 else "live generator",
            "config": gen.config.to_dict(),
            "versions": machine.versions(),
        }
        atomic_write(os.path.join(staging, EXPORT_INFO), json.dumps(info, indent=2, sort_keys=True) + "\n")
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix=".old-export-", dir=parent)
            os.rename(out, os.path.join(old, "export"))
        os.rename(staging, out)
        staging = None
    except (OSError, tf.errors.OpError) as e:
        if old and not os.path.exists(out):
            os.rename(os.path.join(old, "export"), out)  # put the earlier export back
        raise RunError("%s: cannot write the export (%s)" % (out, first_line(e)))
    finally:
        gen.close()
        for folder in (staging, old):
            if folder:
                shutil.rmtree(folder, ignore_errors=True)
    return out
