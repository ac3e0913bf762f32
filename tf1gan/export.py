"""Export a run's generator: a SavedModel (noise in, images in [0, 1] out) and a frozen GraphDef.

The exported graph is exactly the one ``tf1gan sample`` runs (``sample.Generator``),
with the same weights (the moving average when the run keeps one), so the same
noise gives the same images in all three.

Layout of EXPORT_DIR::

    saved_model/           tf.saved_model, tag "serve", signature "serving_default":
                           inputs {"z": float32 [N, z_dim]}, outputs {"images": float32 [N, 784]}
    generator_frozen.pb    the same graph with the weights folded in as constants
                           (input tensor "Z:0", output tensor "images:0")
    export.json            z_dim, the noise distribution to feed, the run, checkpoint and versions, and
                           "files": every file the export wrote (what a later --force may replace)
"""

import json
import os
import re
import shutil
import tempfile

from tf1gan import machine, owned, runs, sample
from tf1gan.errors import RunError, first_line
from tf1gan.fileio import atomic_write, default_mode
from tf1gan.tfcompat import tf

SIGNATURE = "serving_default"
EXPORT_INFO = "export.json"
# Everything an export folder holds: --force replaces a folder of exactly these, and nothing else.
_EXPORT_ENTRIES = {"saved_model", "generator_frozen.pb", EXPORT_INFO}


# What the SavedModel builder writes, for exports made before export.json listed its files.
_LEGACY_FILES = re.compile(
    r"^(generator_frozen\.pb|export\.json|saved_model/(saved_model\.pb|variables/variables\."
    r"(index|data-\d{5}-of-\d{5})))$"
)


def _files(folder):
    """(files, links): the relative paths of the files under ``folder``, and of the links, never following one."""
    files, links = [], []
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder).replace(os.sep, "/")
            if os.path.islink(path):
                links.append(rel)
            elif name in names:
                files.append(rel)
    return sorted(files), sorted(links)


def _not_export(folder):
    """Why ``folder`` is not an earlier tf1gan export, or None when it is one.

    An export is recognised by its export.json, and every file in it must be
    one the export wrote (export.json lists them): a user's file or a link
    anywhere in it, saved_model/ included, makes it someone else's folder.
    """
    entries = set(os.listdir(folder))
    if not entries <= _EXPORT_ENTRIES or EXPORT_INFO not in entries:
        return "it holds a run" if runs.RunFolder(folder).holds_run() else "it holds other files"
    try:
        with open(os.path.join(folder, EXPORT_INFO)) as f:
            info = json.load(f)
        if not (isinstance(info, dict) and info.get("signature") == SIGNATURE and "z_dim" in info):
            raise ValueError("not an export's")
    except (OSError, ValueError):
        return "its export.json is not tf1gan's"
    files, links = _files(folder)
    if links:
        return "%s is a symbolic link" % links[0]
    listed = info.get("files")
    ours = (lambda rel: rel in listed) if isinstance(listed, list) else _LEGACY_FILES.match
    foreign = [rel for rel in files if not ours(rel)]
    return "%s was not written by tf1gan export" % foreign[0] if foreign else None


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
    owned.refuse_link(out)
    why = _not_export(out)
    if why:
        raise RunError(
            "%s is not an earlier tf1gan export (%s); --force replaces only those, so choose another --out" % (out, why)
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
            "files": sorted(_files(staging)[0] + [EXPORT_INFO]),
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
