"""tf1gan: the classic GAN of Goodfellow et al. (2014) in TensorFlow 1.x graph mode, made correct.

The data path reads top to bottom: ``data`` (IDX files, data sets, batch order;
``download`` fetches missing files) -> ``model`` (``build_gan`` returns the graph
as a ``GANGraph`` of named pieces) -> ``train`` (the ``tf.Session`` loop, writing
a ``runs.RunFolder``) -> ``sample`` / ``export`` / ``evaluate``. Settings are a
``config.Config``, declared once with their flags and bounds.
Importing the package does not import TensorFlow; the modules that need it do.
"""

__version__ = "0.1.0"
