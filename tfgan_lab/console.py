"""A quiet console: TensorFlow's C++ start-up lines hidden, unless `--tf_log` is given.

TensorFlow 2.21 writes `I0000`/`E0000` lines (oneDNN, CUDA stubs, cuInit, cpu_feature_guard)
through absl's C++ logging before anything initialises it, so `TF_CPP_MIN_LOG_LEVEL` does not
reach the ones that two of its libraries write while they load. So the command line (main.py,
the `tfgan-lab` script, the benchmarks) imports TensorFlow with file descriptor 2 captured,
writes back what was not TensorFlow's log, and sets `TF_CPP_MIN_LOG_LEVEL=3` for the lines
that come later (cuInit, Grappler's "remapper failed" at the first step). Python warnings and
the lab's own messages (absl's Python logging, `error:` lines) are untouched. A library user
who imports tfgan_lab from Python gets TensorFlow as it is.

Must run before the first `import tensorflow`: this module imports nothing that does.
"""

import os
import re
import sys
import tempfile
from collections.abc import Callable
from typing import NoReturn

from absl import flags

flags.DEFINE_boolean("tf_log", False, "Show TensorFlow's own C++ log lines (start-up, "
                     "Grappler), hidden by default.")

# A record of absl's C++ logging before absl::InitializeLog(): severity, 0000 for the date,
# the time as seconds since the epoch, thread, file:line] message. Python's absl logging
# writes the real date (e.g. W1202), so the lab's own warnings never match.
_RECORD = re.compile(r"^[IWEF]0000 00:00:\d+\.\d+\s+\d+ \S+:\d+\] ")
_NOISE = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "To enable the following instructions:",  # the second line of cpu_feature_guard's record
)


def wants_tf_log(argv: list[str]) -> bool:
    """Whether `argv` asks for TensorFlow's log (`--tf_log`, `--tf_log=true`)."""
    value = None
    for arg in argv[1:]:
        if arg in ("--tf_log", "-tf_log"):
            value = True
        elif arg in ("--notf_log", "-notf_log"):
            value = False
        elif arg.startswith(("--tf_log=", "-tf_log=")):
            value = arg.split("=", 1)[1].lower() in ("1", "true", "t", "yes", "y")
    return bool(value)


def without_tensorflow_log(text: str) -> str:
    """`text` less TensorFlow's C++ log records (and their known continuation lines)."""
    kept = [line for line in text.splitlines(keepends=True)
            if not _RECORD.match(line) and not line.startswith(_NOISE)]
    return "".join(kept)


def quiet_tensorflow(argv: list[str] | None = None) -> None:
    """Imports TensorFlow with its C++ start-up lines hidden (unless `argv` has `--tf_log`)."""
    argv = sys.argv if argv is None else argv
    if wants_tf_log(argv) or "tensorflow" in sys.modules:
        import tensorflow  # noqa: F401
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:  # Even when the import fails: what it said, less the noise, is shown.
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            sys.stderr.write(without_tensorflow_log(
                captured.read().decode("utf-8", errors="replace")))
            sys.stderr.flush()


def run() -> None:
    """Console-script entry point (`tfgan-lab`, main.py): quiet, then the command line."""
    quiet_tensorflow()
    from tfgan_lab import cli

    cli.run()


def reported(main: Callable[[list[str]], None]) -> Callable[[list[str]], None]:
    """`main` with its bad input and interruptions reported as one `error:` line on stderr, no
    traceback or usage text: exit status 1 for an `app.UsageError` or the lab's own errors (a
    config or data problem), 130 when interrupted (Ctrl-C)."""
    from absl import app

    from tfgan_lab.errors import Interrupted, TfganLabError

    def reported_main(argv: list[str]) -> None:
        try:
            main(argv)
        except (app.UsageError, TfganLabError) as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(130 if isinstance(e, Interrupted) else 1)
        except KeyboardInterrupt:
            print("error: Interrupted; nothing half-written is kept (every file and export "
                  "appears only when complete): rerun the same command.", file=sys.stderr)
            sys.exit(130)

    return reported_main


def flag_error(message: str) -> NoReturn:
    """A bad flag reported as one `error:` line (and where the flags are listed), not absl's
    FATAL line and usage text; exit status 1."""
    print(f"error: {message}\nSee --helpfull for the flags.", file=sys.stderr)
    sys.exit(1)


def _parse_flags(argv: list[str]) -> list[str]:
    try:
        return flags.FLAGS(argv)
    except flags.Error as e:
        flag_error(str(e))


def run_command(main: Callable[[list[str]], None]) -> None:
    """absl's `app.run(main)` for a results command (benchmarks/), its bad flags and errors
    `reported` as main.py's are."""
    from absl import app

    app.run(reported(main), flags_parser=_parse_flags)
