"""The command line's modes, registered by name where they are implemented.

    @modes.register("translate", "translate: ... (help text)")
    def translate(context: modes.Context) -> None: ...

The built-in modes live in tfgan_lab/commands.py, continual learning's in its package, and a
model module may add its own (imported with the models), so `--mode=NAME` needs no line in the
central command line.
"""

import dataclasses
import os
from collections.abc import Callable

from ml_collections import ConfigDict

from tfgan_lab import export, workdir
from tfgan_lab.config import validate
from tfgan_lab.errors import ConfigError, WorkdirError
from tfgan_lab.registry import Registry


@dataclasses.dataclass
class Context:
    """What the flags give a mode. `config()` is the --config file's (validated), or the
    workdir's stored one, or, for an export given alone, the one of the run it came from."""
    mode: str
    config_flag: ConfigDict | None
    workdir: str | None
    export_dir: str
    model_path: str | None
    input: str | None
    output: str | None
    columns: int

    def config(self) -> ConfigDict:
        config = self.config_flag
        if config is None:
            source = self.workdir or self._export_source()
            if not source:
                raise WorkdirError("Pass --config=configs/<experiment>.py (or --workdir of a "
                                   "run).")
            config = workdir.load_config(source)
            if not self.workdir:
                print(f"Config: {os.path.join(source, 'config.json')}, of the run "
                      f"{self.model_path} was exported from.")
        validate(config)
        return config

    def has_config(self) -> bool:
        return self.config_flag is not None or bool(self.workdir or self._export_source())

    def _export_source(self) -> str | None:
        """The workdir that --model_path was exported from, if its manifest names one that
        still holds its config."""
        if not self.model_path:
            return None
        source = export.read_manifest(self.model_path).source
        return source if source and workdir.holds_config(source) else None

    def require_workdir(self) -> str:
        if not self.workdir:
            raise WorkdirError(f"--mode={self.mode} needs --workdir=DIR.")
        return self.workdir

    def require(self, flag: str) -> str:
        value = getattr(self, flag)
        if not value:
            raise ConfigError(f"--mode={self.mode} needs --{flag}.")
        return value

    def export_path(self) -> tuple[str, ConfigDict | None]:
        """(--model_path, or the newest export of the config's name; the config if given)."""
        config = self.config() if self.has_config() else None
        if self.model_path:
            return self.model_path, config
        if config is None:
            raise ConfigError(f"--mode={self.mode} needs --model_path, or --config for the "
                              "model's name.")
        return export.latest(self.export_dir, config.name), config

    def output_file(self, default_name: str) -> str:
        """--output, or `default_name` in the workdir if given, else here: checked, before any
        work, to be a file that can be written (`workdir.ensure_output_file`)."""
        path = self.output or os.path.join(self.workdir or ".", default_name)
        workdir.ensure_output_file(path, "--output", example=default_name)
        return path


@dataclasses.dataclass(frozen=True)
class Mode:
    run: Callable[[Context], None]
    help: str


MODES: Registry[Mode] = Registry("mode", packages=("tfgan_lab.gans",))


def register(name: str, help: str) -> Callable:
    """Decorator: `--mode=name` runs the decorated function with the flags' Context."""
    def decorate(function: Callable[[Context], None]) -> Callable[[Context], None]:
        MODES.register(name)(Mode(function, help))
        return function
    return decorate
