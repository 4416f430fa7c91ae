"""tfgan_lab: conditional, multi-discriminator, causal and continual GANs in TF 2 / Keras 3."""

from setuptools import find_packages, setup

setup(
    name="tfgan_lab",
    version="0.1.0",
    description="Adversarial networks beyond the plain GAN: train, measure, serve and scale them.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["tfgan_lab", "tfgan_lab.*"]),
    package_data={"tfgan_lab.text": ["catalogue_packages.txt"]},
    install_requires=[
        "tensorflow>=2.16,<2.22",
        "keras>=3.5",
        "tensorflow-datasets",
        "importlib_resources",  # TFDS's downloads need it and do not install it.
        "tensorboard",  # tf.summary needs it; TF >= 2.20 no longer installs it.
        "absl-py",
        "ml-collections",
        "numpy",
        "pillow",
        "matplotlib",  # result plots (benchmarks/conditional_family.py)
        "tqdm",
        # Text: subword tokenisation inside the graph (text/tokenizer.py); TF Text's minor
        # version must be TensorFlow's, which pip resolves from its own requirement.
        "tensorflow-text>=2.16,<2.22",
        "sentencepiece",
        "sacrebleu>=2",  # BLEU and chrF with their signatures (eval/text_scores.py)
    ],
    extras_require={"test": ["pytest", "pytest-xdist", "ruff"]},
    entry_points={"console_scripts": ["tfgan-lab=tfgan_lab.console:run"]},
)
