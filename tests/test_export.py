"""The serving contract: names, dtypes, shapes, range, versions, and no half-written exports."""

import os
import re
import shutil

import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import export, modes, runtime, train, workdir
from tfgan_lab.errors import ExportError, WorkdirError


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A generator after a short real training run (smoke config)."""
    from tfgan_lab.config import apply_arg, base_config

    config = apply_arg(base_config("cgan"), "smoke")
    config.name = "contract"
    gan, info, _ = train.train(config, str(tmp_path_factory.mktemp("run")))
    return gan, info, config


def _export(trained, export_dir):
    gan, info, config = trained
    return export.export_generator(gan.generator, z_dim=config.model.z_dim,
                                               num_classes=info.num_classes,
                                               export_dir=str(export_dir), name=config.name)


def test_signature_names_dtypes_shapes_and_range(trained, tmp_path):
    path = _export(trained, tmp_path)
    assert path == str(tmp_path / "contract" / "1")
    loaded = tf.saved_model.load(path)
    assert list(loaded.signatures) == ["serving_default"]
    signature = loaded.signatures["serving_default"]
    inputs = signature.structured_input_signature[1]
    assert sorted(inputs) == ["label", "z"]
    assert inputs["z"].dtype == tf.float32 and inputs["z"].shape.as_list() == [None, 16]
    assert inputs["label"].dtype == tf.int32 and inputs["label"].shape.as_list() == [None]
    assert list(signature.structured_outputs) == ["images"]

    z = tf.random.stateless_normal([10, 16], seed=[1, 2])
    images = signature(z=z, label=tf.range(10, dtype=tf.int32))["images"]
    assert images.dtype == tf.float32 and images.shape == (10, 28, 28, 1)
    assert -1.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0


def test_same_z_different_labels_give_different_images(trained, tmp_path):
    generator = export.load_conditional_generator(_export(trained, tmp_path))
    assert generator.z_dim == 16 and generator.num_classes == 10
    z = np.repeat(np.random.default_rng(0).standard_normal((1, 16)), 10, 0).astype(np.float32)
    images = generator(z, np.arange(10)).numpy()
    for a in range(10):
        for b in range(a + 1, 10):
            assert np.abs(images[a] - images[b]).max() > 1e-3, (a, b)  # label ignored: 0
    # ... and the export reproduces the in-memory generator.
    gan = trained[0]
    expected = gan.generator(gan.generator_inputs(tf.constant(z), tf.range(10)), training=False)
    np.testing.assert_allclose(images, expected, atol=1e-5)


def test_bad_labels_are_refused_by_the_model(trained, tmp_path):
    generator = export.load_conditional_generator(_export(trained, tmp_path))
    with pytest.raises(tf.errors.InvalidArgumentError, match="label must be < the number"):
        generator(np.zeros((1, 16)), [10])
    with pytest.raises(tf.errors.InvalidArgumentError, match="same batch size"):
        generator(np.zeros((2, 16)), [1])


def test_versions_increase_and_latest_finds_the_newest(trained, tmp_path):
    first, second = _export(trained, tmp_path), _export(trained, tmp_path)
    assert (os.path.basename(first), os.path.basename(second)) == ("1", "2")
    assert export.latest(str(tmp_path), "contract") == second
    with pytest.raises(ExportError, match="No exported version of 'other'"):
        export.latest(str(tmp_path), "other")
    # A model whose exports all carry a role's suffix: the folders named after it are shown.
    shutil.copytree(tmp_path / "contract", tmp_path / "gan_a2b")
    with pytest.raises(ExportError, match=f"under {tmp_path}/gan, but of {tmp_path}/gan_a2b: "
                                          f"pass .* --model_path \\(e.g. {tmp_path}/gan_a2b/2"):
        export.latest(str(tmp_path), "gan")


def test_an_export_given_alone_brings_the_config_of_its_run(trained, tmp_path, capsys):
    """`--mode=eval --model_path=E` (or sample) without --config reads the config of the workdir
    that E's manifest names, while that workdir holds it."""
    gan, _, config = trained
    run = tmp_path / "run"
    workdir.prepare(str(run), config)
    path = next(iter(export.export_model(gan, str(tmp_path / "export"), "contract",
                                         source=str(run)).values()))
    context = modes.Context("eval", None, None, str(tmp_path / "export"), path, None, None, 10)
    assert context.has_config() and context.config().to_dict() == config.to_dict()
    assert f"Config: {run}/config.json, of the run {path} was exported from." in (
        capsys.readouterr().out)
    shutil.rmtree(run)
    assert not context.has_config()
    with pytest.raises(WorkdirError, match="Pass --config"):
        context.config()


def test_a_failed_export_leaves_nothing_behind(trained, tmp_path, monkeypatch):
    def broken_save(*args, **kwargs):
        os.makedirs(args[1])
        open(os.path.join(args[1], "saved_model.pb"), "w").close()  # half-written
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tf.saved_model, "save", broken_save)
    with pytest.raises(ExportError, match="No space left on device"):
        _export(trained, tmp_path)
    assert os.listdir(tmp_path / "contract") == []


def test_unwritable_export_dir(trained, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ExportError, match="Could not write the export"):
        _export(trained, blocker)


def test_loading_something_else_is_refused(tmp_path):
    with pytest.raises(ExportError, match="holds no saved_model.pb"):
        export.load_conditional_generator(str(tmp_path))

    class Classifier(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="images")])
        def serve(self, images):
            return {"logits": images}

    module = Classifier()
    tf.saved_model.save(module, str(tmp_path / "1"), signatures={"serving_default": module.serve})
    with pytest.raises(ExportError, match="is not a conditional generator"):
        export.load_conditional_generator(str(tmp_path / "1"))
    with pytest.raises(ExportError, match="is not a classifier"):
        export.load_classifier(str(tmp_path / "1"))


def test_a_contract_checks_dtypes_and_ranks_not_only_names(tmp_path):
    """The right names with another dtype or rank honour no contract: a generator whose label
    is int64, and a text model whose `images` are strings."""

    class Int64Labels(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 8], tf.float32, name="z"),
                                      tf.TensorSpec([None], tf.int64, name="label")])
        def serve(self, z, label):
            return {"images": tf.reshape(z, [-1, 2, 4, 1]) + tf.cast(label[:, None, None, None],
                                                                     tf.float32)}

    class StringImages(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="images")])
        def serve(self, images):
            return {"images": images}

    for name, module in (("int64", Int64Labels()), ("strings", StringImages())):
        tf.saved_model.save(module, str(tmp_path / name),
                            signatures={"serving_default": module.serve})
    with pytest.raises(ExportError, match=re.escape(
            "takes label int64 [?], z float32 [?, 8] and returns images float32 [?, 2, 4, 1]; "
            "expected conditional_generator: label int32 [B], z float32 [B, Z] -> images "
            "float32 [B, H, W, C]")):
        export.load_conditional_generator(str(tmp_path / "int64"))
    with pytest.raises(ExportError, match=re.escape(
            "takes images string [?] and returns images string [?]")):
        export.load(str(tmp_path / "strings"))


def test_mixed_precision_export_is_float32(smoke_config, fashion_mnist, tmp_path):
    smoke_config.runtime.precision = "mixed_bfloat16"
    strategy = runtime.setup(smoke_config.runtime, smoke_config.seed)
    gan = train.build(smoke_config, fashion_mnist.info, strategy)
    path = export.export_generator(gan.generator, z_dim=16, num_classes=10,
                                               export_dir=str(tmp_path), name="bf16")
    images = export.load_conditional_generator(path)(np.zeros((2, 16)), [3, 4])
    assert images.dtype == tf.float32
