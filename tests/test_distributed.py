"""Two replicas (MirroredStrategy on 2 logical CPUs) train exactly like one device."""

import numpy as np

from tfgan_lab import runtime, train


def _train(config, fashion_mnist, steps):
    strategy = runtime.setup(config.runtime, config.seed)
    gan = train.build(config, fashion_mnist.info, strategy)
    step = train.make_train_function(gan, strategy, jit_compile=False)
    batches = train.distributed_batches(fashion_mnist, config, strategy, 0)
    losses = [{k: float(v) for k, v in step(batches).items()} for _ in range(steps)]
    for metric in gan.metrics:
        metric.reset_state()
    return strategy, losses, {v.path: v.numpy() for v in gan.weights}


def test_mirrored_on_two_devices_matches_one_device(smoke_config, fashion_mnist):
    _, one_losses, one_weights = _train(smoke_config, fashion_mnist, steps=3)
    smoke_config.runtime.strategy = "mirrored"
    strategy, two_losses, two_weights = _train(smoke_config, fashion_mnist, steps=3)
    assert strategy.num_replicas_in_sync == 2
    for one, two in zip(one_losses, two_losses, strict=True):
        for name in one:
            np.testing.assert_allclose(two[name], one[name], rtol=1e-4, atol=1e-5)
    assert one_weights.keys() == two_weights.keys()
    for name, value in one_weights.items():
        np.testing.assert_allclose(two_weights[name], value, rtol=1e-4, atol=1e-5, err_msg=name)
