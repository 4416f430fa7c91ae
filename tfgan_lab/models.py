"""The model registry: every model registers its class, by name, in its own module.

    @models.register("cyclegan")
    class CycleGAN(players.PlayerModel): ...

Every module of `tfgan_lab.gans` and `tfgan_lab.translation` is imported on the first lookup,
so a new model is a new module there (plus its config file, tests and docs page);
`config.model.variant` picks it.
"""

from collections.abc import Callable
from typing import Any

from ml_collections import ConfigDict

from tfgan_lab.players import PlayerModel
from tfgan_lab.registry import Registry

MODELS: Registry[type[PlayerModel]] = Registry("model", packages=("tfgan_lab.gans",
                                                                 "tfgan_lab.translation"))


def register(name: str) -> Callable[[type[PlayerModel]], type[PlayerModel]]:
    """Class decorator: registers a model under `name`, which becomes its `VARIANT` (the
    value of `config.model.variant` that selects it)."""
    def decorate(cls: type[PlayerModel]) -> type[PlayerModel]:
        cls.VARIANT = name
        return MODELS.register(name)(cls)
    return decorate


def names() -> tuple[str, ...]:
    return MODELS.names()


def get(name: str) -> type[PlayerModel]:
    """The model class registered as `name`; ConfigError listing the valid names."""
    return MODELS.get(name, field="model.variant")


def of(config: ConfigDict) -> type[PlayerModel]:
    """The model class that `config.model.variant` names."""
    return get(config.model.variant)


def build(config: ConfigDict, info: Any) -> PlayerModel:
    """The compiled model of `config` for data described by `info`. Call it inside
    `strategy.scope()`; variables exist only after `build_for_training()`."""
    return of(config).from_config(config, info)
