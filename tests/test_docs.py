"""The commands that the docs, the config files and the code's messages give a reader: every
flag of main.py and of the results commands exists, every config file loads with its :ARG,
every `--config.<field>=value` names a field and passes the config's checks; a command shown
with the `error:` line it prints (docs/cli.md) fails with that very message."""

import functools
import glob
import os
import re
import shlex

from absl import flags
from ml_collections import config_flags

from tfgan_lab import cli, modes
from tfgan_lab.config import validate
from tfgan_lab.errors import TfganLabError

from conftest import REPO

# A command runs to the end of its line, inline code or table cell, comment, or (in the code)
# string; one built in an f-string ({...}) is not checked.
_COMMAND = re.compile(r'python3? (main\.py|benchmarks/\w+\.py)([^`|#\n"{]*)(\{?)')
_DEFINED = re.compile(r"DEFINE_(\w+)\(\s*\"(\w+)\"")
_SHELL = {"|", ">", "2>&1", "&&", ";", "<", "&"}
_ABSL = {"helpfull", "help", "helpshort", "verbosity", "v", "flagfile"}


def _documents() -> list[str]:
    patterns = ["README.md", "docs/**/*.md", "configs/*.py", "benchmarks/*.py",
                "tfgan_lab/**/*.py"]
    return sorted({path for pattern in patterns
                   for path in glob.glob(os.path.join(REPO, pattern), recursive=True)})


def _commands() -> list[tuple[str, str, list[str], str | None]]:
    """(where, script, arguments, the `error:` line printed under it or None) of every command
    in the documents, continuation lines joined."""
    found = []
    for path in _documents():
        with open(path, encoding="utf-8") as f:
            lines = f.read().replace("\\\n", " ").splitlines()
        for number, line in enumerate(lines):
            for match in _COMMAND.finditer(line):
                if match.group(3):
                    continue
                after = lines[number + 1] if number + 1 < len(lines) else ""
                error = after[len("error: "):] if after.startswith("error: ") else None
                where = f"{os.path.relpath(path, REPO)}: {match.group(0).strip()}"
                found.append((where, match.group(1), _arguments(match.group(2)), error))
    return found


def _arguments(text: str) -> list[str]:
    """The flags of a command, up to its first shell operator or non-flag word."""
    arguments = []
    for word in shlex.split(text.replace("'", "")):
        if word in _SHELL or not word.startswith("--"):
            break
        arguments.append(word)
    return arguments


@functools.cache
def _flags_of(script: str) -> dict[str, str]:
    """{flag name: kind} that `script` defines: main.py's from the library, a results
    command's from its own file (read once per script)."""
    sources = (glob.glob(os.path.join(REPO, "tfgan_lab", "**", "*.py"), recursive=True)
               if script == "main.py" else [os.path.join(REPO, script)])
    defined = {}
    for source in sources:
        with open(source, encoding="utf-8") as f:
            defined.update({name: kind for kind, name in _DEFINED.findall(f.read())})
    return defined


def _placeholder(argument: str) -> bool:
    """Whether the value of `argument` (`--flag=value`) stands for something to fill in:
    configs/<experiment>.py, DIR, :METHOD, W, '...'."""
    value = argument.partition("=")[2]
    return bool(re.search(r"<|\.\.\.|\[", value)
                or re.search(r"(^|[/_:])[A-Z][A-Z0-9_]*($|\.)", value))


def _parsed(script: str, arguments: list[str]) -> None:
    """Parses `arguments` as `script`'s flag parser does, its config file loaded and checked;
    raises what that parse raises."""
    holder = flags.FlagValues()
    for name, kind in _flags_of(script).items():
        define = flags.DEFINE_boolean if kind == "boolean" else flags.DEFINE_string
        if kind != "config_file":
            define(name, None, "", flag_values=holder)
    config_given = any(a.startswith("--config=") for a in arguments)
    placeholders = [a for a in arguments if a.startswith("--config.") and _placeholder(a)]
    arguments = [a for a in arguments if a not in placeholders]  # (their fields are checked)
    argv = ["command"] + [
        f"--config={os.path.join(REPO, a[len('--config='):])}" if a.startswith("--config=")
        else a for a in arguments if a.split("=")[0].lstrip("-") not in _ABSL
        and (config_given or not a.startswith("--config."))]  # (a workdir's config: unread)
    if config_given:  # (it reads its overrides from the argv it is given)
        config_flags.DEFINE_config_file("config", None, "", flag_values=holder, sys_argv=argv)
    try:
        holder(argv)
    except (AttributeError, KeyError):  # an unknown field, named as main.py names it
        cli.check_overrides(argv)
        raise
    mode = holder["mode"].value if script == "main.py" else None
    if mode and not _placeholder(f"--mode={mode}"):
        modes.MODES.get(mode)
    if config_given:
        validate(holder.config)
        cli.check_overrides(argv + placeholders)


def _problem(script: str, arguments: list[str], error: str | None) -> str | None:
    """What is wrong with a documented command: None if it parses, or fails with the `error`
    line shown under it."""
    arguments = [a for a in arguments if not (a.startswith("--config=") and _placeholder(a))]
    try:
        _parsed(script, arguments)
    except (TfganLabError, flags.Error, AttributeError, KeyError) as raised:
        if error is None:
            return f"{type(raised).__name__}: {raised}"
        return None if str(raised) == error else f"fails with {raised}, not as shown: {error}"
    return None if error is None else f"parses, but is shown failing with: {error}"


def test_every_documented_command_parses_or_fails_as_shown():
    commands = _commands()
    assert len(commands) > 100 and {"main.py", "benchmarks/translation.py"} <= {
        script for _, script, _, _ in commands}
    assert sum(error is not None for *_, error in commands) >= 2  # docs/cli.md's examples
    problems = [f"{where}\n    {problem}" for where, script, arguments, error in commands
                if (problem := _problem(script, arguments, error))]
    assert not problems, "\n".join(problems)
