"""Errors a user can cause, each with the exit code the command line gives it.

Everything that bad input, bad data or a bad run folder can trigger is raised as
one of these; the CLI prints ``tf1gan: error: <message>`` on one line and exits
with ``exit_code``. Anything else is a bug and keeps its traceback.
"""


def first_line(error):
    """The first line of an exception's message (TensorFlow's run a dozen lines with node traces)."""
    text = str(getattr(error, "message", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class Tf1ganError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""

    exit_code = 1


class ConfigError(Tf1ganError):
    """A setting is out of range or settings contradict each other (messages name settings by their flag)."""

    exit_code = 2


class DataError(Tf1ganError):
    """A data file is missing, corrupt, unverifiable or could not be downloaded."""

    exit_code = 3


class RunError(Tf1ganError):
    """The run folder cannot be created, written, resumed or restored from."""

    exit_code = 4


class NonFiniteLossError(Tf1ganError):
    """Training produced a NaN or infinite loss; the last good checkpoint is kept."""

    exit_code = 5


class GoldenMismatch(Tf1ganError):
    """``tf1gan golden --check`` found snapshots that moved beyond the comparison policy."""

    exit_code = 6


class Interrupted(Tf1ganError):
    """SIGINT or SIGTERM stopped training after a checkpoint; exits 128 + the signal number."""

    def __init__(self, message, signum):
        Tf1ganError.__init__(self, message)
        self.exit_code = 128 + signum
