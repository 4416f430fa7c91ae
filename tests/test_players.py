"""PlayerModel.minimize: one update, and what the loss computed handed back (has_aux)."""

import keras
import numpy as np
import pytest

from tfgan_lab import continual, data
from tfgan_lab.losses import classification_loss


@pytest.mark.parametrize("policy", ["float32", "mixed_float16"])
def test_minimize_hands_back_what_the_loss_computed(policy, fashion_mnist):
    images, labels = next(iter(data.train_batches(fashion_mnist, 8, seed=0)))
    kernels = []
    for has_aux in (False, True):
        keras.mixed_precision.set_global_policy(policy)
        keras.utils.set_random_seed(0)
        solver = continual.Solver(continual.solver.classifier_net((28, 28, 1), 10), seed=0)
        solver.compile(optimizers={"solver": keras.optimizers.SGD(0.1)})
        solver.build_for_training()
        before = solver.network.get_layer("logits").kernel.numpy().copy()

        def loss(solver=solver, has_aux=has_aux):
            logits = solver.network(images, training=False)["logits"]
            per_example = classification_loss(logits, labels)
            return (per_example, {"logits": logits}) if has_aux else per_example

        result = solver.minimize(loss, "solver", has_aux=has_aux)
        if has_aux:
            per_example, aux = result
            assert set(aux) == {"logits"} and aux["logits"].shape == (8, 10)
            np.testing.assert_allclose(per_example, classification_loss(aux["logits"], labels),
                                       rtol=1e-6)
        else:
            assert result.shape == (8,)
        kernels.append(solver.network.get_layer("logits").kernel.numpy())
        if policy == "float32":  # (mixed_float16's loss scale may skip the first update)
            assert not np.array_equal(kernels[-1], before)
    np.testing.assert_array_equal(*kernels)  # the same update, with or without aux
