"""Django settings of the tests' project: one view logs a line per request,
another raises, and django.request logs its traceback. The log, the handler
class and the command come from the environment the test sets."""

import os

SECRET_KEY = "test-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "djangoapp.urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True

_LOG = os.environ["STACK_LOG"]
_SLOGROTATE = os.environ.get("STACK_HANDLER", "slogrotate") == "slogrotate"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "verbose": {"format": "pid=%(process)d %(levelname)s %(name)s %(message)s"},
        # The command stamps slogrotate's records; the standard library's
        # handler gets the same stamp from the formatter.
        "stamped": {"()": "djangoapp.stamp.StampFormatter",
                    "format": "pid=%(process)d %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "file": {
            "class": "slogrotate.TimedRotatingFileHandler",
            "filename": _LOG,
            "when": "S",
            "utc": True,
            "formatter": "verbose",
            "command": [os.environ.get("STACK_COMMAND", "slogrotate"), "-format", "timestamp"],
        } if _SLOGROTATE else {
            "class": "logging.handlers.TimedRotatingFileHandler",
            "filename": _LOG,
            "when": "S",
            "utc": True,
            "formatter": "stamped",
        },
    },
    "loggers": {
        "django.request": {"handlers": ["file"], "level": "ERROR", "propagate": False},
        "app": {"handlers": ["file"], "level": "INFO", "propagate": False},
    },
}
