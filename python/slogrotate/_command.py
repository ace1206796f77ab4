"""Finding the slogrotate command and running one instance of it."""

import os
import shutil
import subprocess

#: The environment variable naming the command when command= is not given.
ENV_VAR = "SLOGROTATE_COMMAND"

# Where a build with Go present puts the command, inside the package.
_SHIPPED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "slogrotate")


class CommandError(OSError):
    """The slogrotate command cannot be found, cannot start, or failed."""


class CommandNotFoundError(CommandError, FileNotFoundError):
    """No slogrotate command was found; the message names every place
    searched."""


def find_command(command=None):
    """Return the absolute path of the slogrotate program to run.

    The places, in order: command (a path, or a name looked up on PATH);
    the environment variable SLOGROTATE_COMMAND; the program a build put
    inside this package; 'slogrotate' on PATH. The first place that names a
    program decides: a program named there that is not executable is an
    error rather than a reason to look further, so that the command run is
    never a surprise. Raises CommandNotFoundError naming what was tried.
    """
    tried = []
    for place, name, missing in _places(command):
        if name is None:
            tried.append("%s: %s" % (place, missing))
            continue
        path = _executable(name)
        if path is not None:
            return path
        if place == "PATH":
            tried.append("%s: %s" % (place, missing))
        else:
            tried.append("%s: %s is not an executable file" % (place, name))
            break
    raise CommandNotFoundError("slogrotate command not found; looked at " + "; ".join(tried))


def _places(command):
    """Yield (place, program named there or None, what to say if absent)."""
    yield "command=", command, "not given"
    yield "$" + ENV_VAR, os.environ.get(ENV_VAR) or None, "not set"
    yield "the package", _SHIPPED if os.path.exists(_SHIPPED) else None, \
        "no %s (built only where Go is present)" % _SHIPPED
    yield "PATH", "slogrotate", "no slogrotate in %s" % os.environ.get("PATH", os.defpath)


def _executable(name):
    name = os.fspath(name)
    if os.sep in name:
        ok = os.path.isfile(name) and os.access(name, os.X_OK)
        return os.path.abspath(name) if ok else None
    path = shutil.which(name)
    return os.path.abspath(path) if path else None


def check(argv, timeout):
    """Run argv once with empty input, which opens the log and exits, to
    find a bad flag, a missing directory or a command too old for the NUL
    framing when the handler is made rather than later. Raises CommandError
    with the command's own message."""
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=timeout, start_new_session=True)
    except (OSError, subprocess.SubprocessError) as e:
        raise CommandError("cannot run %s: %s" % (argv[0], e)) from e
    if done.returncode != 0:
        msg = done.stderr.decode("utf-8", "replace").strip()
        raise CommandError("%s exited with status %d: %s" % (" ".join(argv), done.returncode, msg))


class Instance:
    """One running slogrotate command and the write end of its input pipe,
    owned by the process that started it."""

    def __init__(self, argv):
        try:
            # A session of its own: the signals a server or a terminal sends
            # to its process group (a worker's SIGINT at shutdown) do not
            # reach it; it ends when its input does, after writing it all.
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, bufsize=0,
                                         start_new_session=True)
        except (OSError, subprocess.SubprocessError) as e:
            raise CommandError("cannot start %s: %s" % (argv[0], e)) from e
        self.fd = self.proc.stdin.fileno()
        self.owner = os.getpid()

    @property
    def pid(self):
        return self.proc.pid

    def write(self, data):
        """Write all of data to the pipe; OSError (BrokenPipeError when the
        command has died) leaves an unknown prefix of it in the pipe."""
        n = os.write(self.fd, data)
        if n < len(data):  # a record larger than the pipe's free room
            view = memoryview(data)[n:]
            while view:
                view = view[os.write(self.fd, view):]

    def finish(self, timeout):
        """Close the pipe and wait up to timeout seconds for the command to
        write everything and exit. Return its exit status, or None if it is
        still running (it goes on and exits once done)."""
        self._close_pipe()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def status(self):
        """Wait briefly for a command whose pipe broke and return its exit
        status, or None."""
        return self.finish(1.0)

    def disown(self):
        """Drop, in a forked child, the copy of the pipe inherited from the
        parent, leaving the parent's command alone: the parent's records go
        on reaching it, and it still ends when the parent closes its end."""
        self._close_pipe()
        # The command is the parent's child: nobody here may wait for it,
        # and Popen must not warn that it is still running.
        self.proc.returncode = 0

    def _close_pipe(self):
        if self.fd is None:
            return
        self.fd = None
        try:
            self.proc.stdin.close()  # unbuffered: closes the descriptor, nothing more
        except OSError:
            pass
