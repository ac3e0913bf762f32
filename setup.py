"""Install tf1gan. TensorFlow is not a dependency here on purpose: the pinned
requirements files choose it (stock 1.15.5, NVIDIA's build in the GPU image, or
TensorFlow 2 for the compat path) so that installing tf1gan never replaces it."""

from setuptools import find_packages, setup

setup(
    name="tf1gan",
    version="0.1.0",
    description="The classic GAN (Goodfellow et al. 2014) in TensorFlow 1.x graph mode, made correct",
    long_description=open("README.md").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    packages=find_packages(include=["tf1gan", "tf1gan.*"]),
    package_data={"tf1gan": ["article_listing.txt", "datasets/mnist10k/*", "classifiers/*.npz", "classifiers/*.json"]},
    python_requires=">=3.6",
    install_requires=[
        "numpy>=1.16",
        "matplotlib>=3.0",
        'dataclasses; python_version < "3.7"',
    ],
    extras_require={"test": ["pytest", "hypothesis"]},
    entry_points={"console_scripts": ["tf1gan=tf1gan.__main__:run"]},
    classifiers=[
        "Programming Language :: Python :: 3.6",
        "Programming Language :: Python :: 3.7",
        "Programming Language :: Python :: 3.8",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
