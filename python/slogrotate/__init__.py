"""A logging handler for a time-rotating log file that any number of
processes on one host share without losing, duplicating, tearing or
misfiling a record: logging.handlers.TimedRotatingFileHandler's interface
over the slogrotate command (https://github.com/slogrotate/slogrotate).

In Django's LOGGING, change the handler's class:

    'class': 'slogrotate.TimedRotatingFileHandler',
"""

from ._command import CommandError, CommandNotFoundError, ENV_VAR, find_command
from .handler import CommandDiedError, TimedRotatingFileHandler

__all__ = ["TimedRotatingFileHandler", "CommandError", "CommandNotFoundError",
           "CommandDiedError", "ENV_VAR", "find_command"]
