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

from tf1gan import machine, sample
from tf1gan.errors import RunError, first_line
from tf1gan.fileio import atomic_write
from tf1gan.tfcompat import tf

SIGNATURE = "serving_default"


def export(run_path, out, checkpoint=None, force=False):
    """Write the SavedModel, frozen graph and export.json of ``run_path`` into ``out``; return ``out``."""
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)) and not force:
        raise RunError("%s already exists; choose another --out or pass --force to replace it" % out)
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise RunError("%s: folder does not exist" % parent)
    gen = sample.Generator(run_path, checkpoint)
    # build everything beside the target, then move it into place: no half export on failure
    staging = tempfile.mkdtemp(prefix=".export-", dir=parent)
    try:
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
            "checkpoint": gen.checkpoint,
            "weights": "moving average" if gen.config.ema_decay > 0 else "live generator",
            "config": gen.config.to_dict(),
            "versions": machine.versions(),
        }
        atomic_write(os.path.join(staging, "export.json"), json.dumps(info, indent=2, sort_keys=True) + "\n")
        if os.path.exists(out):
            shutil.rmtree(out) if os.path.isdir(out) else os.unlink(out)
        os.rename(staging, out)
    except (OSError, tf.errors.OpError) as e:
        raise RunError("%s: cannot write the export (%s)" % (out, first_line(e)))
    finally:
        gen.close()
        shutil.rmtree(staging, ignore_errors=True)
    return out
