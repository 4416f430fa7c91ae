"""Names mapped to code by explicit lookups (big_vision's `Registry`, without its magic).

A module declares what it provides with `@REGISTRY.register("name")` next to the code; central
code looks names up with `REGISTRY.get(name)` and never lists them. A registry may name the
packages whose modules register into it: they are imported on the first lookup, so adding a
model is adding its module, not editing a list.
"""

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from tfgan_lab.errors import ConfigError, did_you_mean

T = TypeVar("T")


class Registry(Generic[T]):
    """`what` names the kind of thing in error messages ("model", "mode", ...)."""

    def __init__(self, what: str, packages: Iterable[str] = ()):
        self.what = what
        self._packages = tuple(packages)
        self._entries: dict[str, T] = {}
        self._imported = False

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: registers the decorated class or function under `name`."""
        def decorate(entry: T) -> T:
            if name in self._entries and self._entries[name] is not entry:
                raise ValueError(f"Two {self.what}s are registered as {name!r}.")
            self._entries[name] = entry
            return entry
        return decorate

    def _import_packages(self) -> None:
        if self._imported:
            return
        self._imported = True
        for package_name in self._packages:
            package = importlib.import_module(package_name)
            for module in pkgutil.iter_modules(package.__path__):
                importlib.import_module(f"{package_name}.{module.name}")

    def names(self) -> tuple[str, ...]:
        self._import_packages()
        return tuple(self._entries)

    def get(self, name: str, field: str | None = None) -> T:
        """The entry called `name`; ConfigError naming the valid ones (and `field`, the config
        field that asked for it) otherwise."""
        self._import_packages()
        if name not in self._entries:
            where = f"config.{field}={name!r} is not valid" if field else (
                f"Unknown {self.what} {name!r}")
            raise ConfigError(f"{where}{did_you_mean(name, self._entries)}: choose one of "
                              f"{', '.join(self._entries)}.")
        return self._entries[name]
