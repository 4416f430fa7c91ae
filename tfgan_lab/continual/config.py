"""The `continual` config group, added to a model's config by `base_config(method)`."""

from ml_collections import ConfigDict

from tfgan_lab import checks, config
from tfgan_lab.continual.methods import METHODS
from tfgan_lab.errors import ConfigError


def group() -> ConfigDict:
    """The group's fields and their library defaults (a method's recipe changes some)."""
    continual = ConfigDict()  # Read by --mode=continual (tfgan_lab/continual).
    continual.method = "finetune"
    continual.classes_per_task = 2  # Tasks split the classes in order: {0,1}, {2,3}, ...
    continual.num_tasks = 0  # Train the first N tasks only; 0: all of them.
    continual.replay_ratio = 0.0  # Share r of new data in each batch; 0: 1/t at task t.
    # RA: weight of |G_t(z, c) - G_t-1(z, c)|^2 (summed over pixels), per example; the ra
    # recipe sets 0.1.
    continual.alignment_weight = 1e-3
    continual.generator_steps = 1000  # Generator training steps per task.
    continual.solver_steps = 500  # Solver steps per task (batch train.batch_size).
    continual.label_smoothing = 0.0  # Solver's cross-entropy target: (1-s) one-hot + s/K.
    continual.test_split = "test"  # Where solvers' task accuracies are measured.
    return continual


def base_config(method: str) -> ConfigDict:
    """A config for `method`: its generator's model, the `continual` group, its recipe."""
    chosen = METHODS.get(method, field="continual.method")
    result = config.base_config(chosen.generator_variant)
    result.continual = group()
    result.continual.method = method
    chosen.recipe(result)
    return result


def _check(result: ConfigDict) -> None:
    chosen = METHODS.get(result.continual.method, field="continual.method")
    checks.positive(result, "continual.classes_per_task", "continual.generator_steps",
                    "continual.solver_steps")
    checks.at_least_zero(result, "continual.num_tasks", "continual.alignment_weight")
    checks.unit_interval(result, "continual.label_smoothing",
                         "the target's share spread over all classes (0: one-hot)")
    if not 0.0 <= result.continual.replay_ratio <= 1.0:
        raise ConfigError(f"config.continual.replay_ratio={result.continual.replay_ratio!r} is "
                          "not valid: it is the share of new data in a batch, in [0, 1] (0: 1/t).")
    if chosen.trains_generator and result.model.variant != chosen.generator_variant:
        raise ConfigError(f"config.model.variant={result.model.variant!r}, but "
                          f"continual.method={chosen.name!r} trains a "
                          f"{chosen.generator_variant!r} generator: start from "
                          f"tfgan_lab.continual.base_config({chosen.name!r}).")


def _smoke(result: ConfigDict) -> None:
    result.continual.update(generator_steps=4, solver_steps=4, test_split="test[:1000]")


config.register_group("continual", schema=lambda _: group(), check=_check, smoke=_smoke,
                      frozen=("continual.method", "continual.classes_per_task",
                              "continual.replay_ratio", "continual.alignment_weight",
                              "continual.label_smoothing"))
