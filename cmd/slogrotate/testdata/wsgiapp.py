"""A WSGI app that logs every request through Python's logging, for the
uwsgi and gunicorn tests of the slogrotate command (standard library only:
uwsgi embeds Debian's Python, whatever python3 is first on PATH).

SLOGROTATE_MODE chooses where the log records go:
  stderr  to standard error, which the server hands to one shared
          slogrotate (uwsgi --logger pipe:..., gunicorn's stderr piped);
  pipe    to a slogrotate this worker starts itself, the command line
          in SLOGROTATE_CMD (arguments separated by newlines), so that
          one instance per worker appends to the shared log.
"""
import logging
import os
import subprocess
import sys

log = logging.getLogger("app")
log.setLevel(logging.INFO)
log.propagate = False
_pid = None


def _handler():
    mode = os.environ.get("SLOGROTATE_MODE", "stderr")
    if mode == "pipe":
        # Started in the worker, after the fork: one instance per worker.
        # Line buffering makes each record one write(2) on the pipe.
        proc = subprocess.Popen(os.environ["SLOGROTATE_CMD"].split("\n"),
                                stdin=subprocess.PIPE, text=True, bufsize=1)
        return logging.StreamHandler(proc.stdin)
    return logging.StreamHandler(sys.stderr)


def _setup():
    global _pid
    if _pid == os.getpid():
        return
    _pid = os.getpid()
    for h in list(log.handlers):
        log.removeHandler(h)
    h = _handler()
    h.setFormatter(logging.Formatter("pid=%(process)d %(levelname)s %(message)s"))
    log.addHandler(h)


def application(environ, start_response):
    _setup()
    log.info("request %s", environ.get("QUERY_STRING", ""))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]
