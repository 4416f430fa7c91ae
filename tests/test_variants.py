"""The variants: train steps move both players under every loss, precision and XLA setting."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_lab import data, export, losses, runtime, train

from conftest import PRECISIONS, smoke

CONDITIONAL_FAMILY = ("cgan", "acgan", "fcgan", "gan")


def _setup(config, fashion_mnist):
    strategy = runtime.setup(config.runtime, config.seed)
    gan = train.build(config, fashion_mnist.info, strategy)
    batches = train.distributed_batches(fashion_mnist, gan, config, strategy, 0)
    return gan, train.make_train_function(gan, strategy, config.runtime.jit_compile), batches


def _snapshot(model):
    return {v.path: v.numpy().copy() for v in model.trainable_variables}


def _changed(before, model):
    return {v.path for v in model.trainable_variables if not np.array_equal(before[v.path], v)}


EXPECTED_LOGS = {"cgan": {"d_loss", "g_loss"},
                 "acgan": {"d_loss", "g_loss", "d_class_loss", "g_class_loss"},
                 "fcgan": {"d_loss", "g_loss", "d_class_loss", "g_class_loss"},
                 "gan": {"d_loss", "g_loss"}}


# Every variant x loss in float32; mixed_bfloat16 once per variant (hinge), as the loss
# changes nothing in how a precision treats the networks. XLA once per step and networks:
# FC-GAN compiles AC-GAN's step and networks (its D has one class more), so it is left out
# (each XLA compile costs about 12 s of the suite). The quick tier keeps the CGAN's (the
# default model's) bfloat16 and XLA steps; the other variants' are its slow tier.
XLA_VARIANTS = ("cgan", "acgan", "gan")


def _slow_unless_cgan(variant: str, *setting: object):
    """`variant`'s setting, in the quick tier for the CGAN alone."""
    return pytest.param(variant, *setting,
                        marks=() if variant == "cgan" else pytest.mark.slow)


SETTINGS = ([(variant, loss, "float32", False) for variant in CONDITIONAL_FAMILY
             for loss in losses.names()]
            + [_slow_unless_cgan(variant, "hinge", "mixed_bfloat16", False)
               for variant in CONDITIONAL_FAMILY]
            + [_slow_unless_cgan(variant, "hinge", "float32", True) for variant in XLA_VARIANTS])


@pytest.mark.parametrize("variant,loss,precision,jit_compile", SETTINGS)
def test_one_step_changes_every_weight_of_both_players(fashion_mnist, precision, jit_compile,
                                                       loss, variant):
    smoke_config = smoke(variant)
    smoke_config.model.loss = loss
    smoke_config.runtime.precision, smoke_config.runtime.jit_compile = precision, jit_compile
    gan, step, batches = _setup(smoke_config, fashion_mnist)
    g_before, d_before = _snapshot(gan.generator), _snapshot(gan.discriminator)
    logs = {k: float(v) for k, v in step(batches).items()}
    assert set(logs) == EXPECTED_LOGS[variant] and all(np.isfinite(list(logs.values())))
    # Every trainable variable moves: a weight without gradient (a broken branch) fails here.
    # One exception, by arithmetic: D's output bias gets +1 per real and -1 per fake example
    # under the Wasserstein loss, and under the hinge loss while every example is inside the
    # margin (as at the start): the gradients cancel (up to rounding, which Adam may still
    # turn into a step).
    inert = {"sn_psi/psi/bias", "psi/bias"} if loss in ("hinge", "wasserstein") else set()
    assert _changed(g_before, gan.generator) == set(g_before)
    assert set(d_before) - inert <= _changed(d_before, gan.discriminator)
    assert int(gan.step.numpy()) == 1
    images = gan.generator(gan.generator_inputs(tf.zeros([2, 16]), tf.constant([0, 1])))
    assert images.dtype == tf.float32, "outputs stay float32 under mixed precision"
    d_inputs = {"images": images, "label": tf.constant([0, 1])}
    outputs = gan.discriminator({k: d_inputs[k] for k in gan.discriminator.input})
    assert all(v.dtype == tf.float32 for v in outputs.values())


@pytest.mark.parametrize("variant,classify_fakes,fake_class", [
    ("acgan", True, None), ("acgan", False, None), ("fcgan", True, 10)])
def test_discriminator_class_targets_for_fakes(fashion_mnist, variant, classify_fakes,
                                               fake_class):
    """AC-GAN: a fake keeps its label, or (classify_fakes=False, the AC-WGAN-GP of MeRGAN)
    D's class head learns real images only. FC-GAN: every fake is the extra class N = 10."""
    smoke_config = smoke(variant)
    if variant == "acgan":
        smoke_config.model.classify_fakes = classify_fakes
    gan, _, _ = _setup(smoke_config, fashion_mnist)
    outputs = 10 if fake_class is None else 11
    assert gan.discriminator.output["class_logits"].shape[-1] == outputs
    images, labels = next(iter(data.train_batches(fashion_mnist, 16, seed=0)))
    targets = gan.fake_class_targets(labels).numpy()
    np.testing.assert_array_equal(targets, labels if fake_class is None else [fake_class] * 16)
    # The class loss of D's update is the cross-entropy with exactly those targets.
    _, class_loss = gan.discriminator_losses(images, labels, training=False)
    z = gan.noise(tf.shape(labels)[0], stream="d_fakes")
    fakes = gan.generator(gan.generator_inputs(z, labels), training=False)
    class_logits = gan.discriminator({"images": tf.concat([images, fakes], 0)},
                                     training=False)["class_logits"]
    expected = losses.classification_loss(class_logits[:16], labels)
    if classify_fakes:
        expected += losses.classification_loss(class_logits[16:], targets)
    np.testing.assert_allclose(class_loss, expected, rtol=1e-5)
    # G's targets are the conditioning labels, whatever the variant.
    _, g_class_loss = gan.generator_losses(labels, training=False)
    z = gan.noise(tf.shape(labels)[0], stream="g_fakes")
    g_logits = gan.discriminator({"images": gan.generator(gan.generator_inputs(z, labels),
                                                          training=False)},
                                 training=False)["class_logits"]
    np.testing.assert_allclose(g_class_loss, losses.classification_loss(g_logits, labels),
                               rtol=1e-5)


# The loss scale starts high (2**15): a first step's scaled values overflow float16 on the
# way, which numpy reports, and that step is skipped; this is what the test checks.
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_mixed_float16_scales_the_loss(smoke_config, fashion_mnist):
    smoke_config.runtime.precision = "mixed_float16"
    gan, step, batches = _setup(smoke_config, fashion_mnist)
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.generator.get_layer("project").compute_dtype == "float16"
    before = _snapshot(gan.generator)
    for _ in range(3):  # a first step may be skipped while the loss scale settles
        logs = step(batches)
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert _changed(before, gan.generator)
    assert float(gan.g_optimizer.dynamic_scale) > 0


def test_test_step_reports_losses_without_training(smoke_config, fashion_mnist):
    gan, _, _ = _setup(smoke_config, fashion_mnist)
    before = _snapshot(gan)
    batch = next(iter(data.train_batches(fashion_mnist, 16, seed=0)))
    logs = gan.test_step(batch)
    assert np.isfinite(float(logs["d_loss"])) and np.isfinite(float(logs["g_loss"]))
    assert not _changed(before, gan)


def test_fit_trains_on_one_machine(smoke_config, fashion_mnist):
    gan, _, _ = _setup(smoke_config, fashion_mnist)
    before = _snapshot(gan.generator)
    history = gan.fit(data.train_batches(fashion_mnist, 16, seed=0), steps_per_epoch=2,
                      epochs=1, verbose=0, shuffle=False)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert _changed(before, gan.generator)
    assert int(gan.step.numpy()) == 2


@pytest.mark.parametrize("precision", PRECISIONS)
def test_a_conditional_batch_norm_generator_trains_and_exports(fashion_mnist, precision,
                                                                tmp_path):
    smoke_config = smoke("acgan")
    smoke_config.model.generator_conditioning = "batch_norm"
    smoke_config.runtime.precision = precision
    gan, step, batches = _setup(smoke_config, fashion_mnist)
    before = _snapshot(gan.generator)
    step(batches)
    assert _changed(before, gan.generator) == set(before)
    path = export.export_generator(gan.generator, z_dim=16, num_classes=10,
                                   export_dir=str(tmp_path), name="cbn")
    z = np.tile(np.random.default_rng(0).normal(size=(1, 16)).astype(np.float32), (2, 1))
    images = export.load_conditional_generator(path)(z, [3, 4]).numpy()
    expected = gan.generator(gan.generator_inputs(tf.constant(z), tf.constant([3, 4])))
    np.testing.assert_allclose(images, expected, atol=1e-2 if precision != "float32" else 1e-5)


def test_noise_depends_on_seed_and_step_only(smoke_config, fashion_mnist):
    gan, step, batches = _setup(smoke_config, fashion_mnist)
    first = gan.noise(tf.constant(4), stream="d_fakes").numpy()
    np.testing.assert_array_equal(first, gan.noise(tf.constant(4), stream="d_fakes"))
    assert not np.allclose(first, gan.noise(tf.constant(4), stream="g_fakes"))
    step(batches)
    assert not np.allclose(first, gan.noise(tf.constant(4), stream="d_fakes"))


def test_wgan_gp_updates_the_critic_several_times_per_step(fashion_mnist):
    """Memory Replay GANs' base: 3 critic updates, each on its own slice of the step's batch,
    then one generator update; the gradient penalty is part of D's loss."""
    smoke_config = smoke("acgan")
    smoke_config.model.update(loss="wasserstein", critic_steps=3, gradient_penalty=10.0)
    gan, step, batches = _setup(smoke_config, fashion_mnist)
    assert gan.examples_per_step(16) == 48
    logs = step(batches)
    assert int(gan.d_optimizer.iterations) == 3 and int(gan.g_optimizer.iterations) == 1
    assert all(np.isfinite(float(v)) for v in logs.values())
    images, labels = next(iter(data.train_batches(fashion_mnist, 16, seed=0)))
    with_penalty, _ = gan.discriminator_losses(images, labels, training=False)
    gan.penalty_weight = 0.0
    without, _ = gan.discriminator_losses(images, labels, training=False)
    assert float(tf.reduce_min(with_penalty - without)) > 0, "(|grad| - 1)^2 > 0 at the start"


def test_generator_class_weight_scales_the_class_loss_in_g_update(fashion_mnist):
    """The first step's D update does not depend on the weight, so G's objective differs by
    exactly (w - 1) times its class loss."""
    smoke_config = smoke("acgan")
    logs = {}
    for weight in (1.0, 3.0):
        smoke_config.model.generator_class_weight = weight
        _, step, batches = _setup(smoke_config, fashion_mnist)
        logs[weight] = {k: float(v) for k, v in step(batches).items()}
    assert logs[1.0]["g_class_loss"] == pytest.approx(logs[3.0]["g_class_loss"], rel=1e-5)
    assert logs[3.0]["g_loss"] - logs[1.0]["g_loss"] == pytest.approx(
        2.0 * logs[1.0]["g_class_loss"], rel=1e-4)


def test_a_variant_s_fields_are_its_own(smoke_config):
    """Each model's `model` group holds its own fields: another variant's field is unknown,
    named with the model's valid fields; a bad value of its own is refused by the model."""
    from tfgan_lab.config import validate
    from tfgan_lab.errors import ConfigError

    smoke_config.model.unlock()
    smoke_config.model.critic_steps = 5
    with pytest.raises(ConfigError, match=r"Unknown config field config.model.critic_steps\. "
                                          r"Valid fields of config.model: .*model 'cgan'"):
        validate(smoke_config)
    fcgan = smoke("fcgan")
    assert "classify_fakes" not in fcgan.model and "critic_steps" in fcgan.model
    assert "generator_conditioning" not in smoke("gan").model
    acgan = smoke("acgan")
    acgan.model.critic_steps = 0
    with pytest.raises(ConfigError, match="config.model.critic_steps=0 is not valid"):
        validate(acgan)
    gan = smoke("gan")
    gan.eval.every = 10
    with pytest.raises(ConfigError, match="metrics score a conditional generator"):
        validate(gan)
