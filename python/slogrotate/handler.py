"""TimedRotatingFileHandler: logging.handlers.TimedRotatingFileHandler's
interface over the slogrotate command, safe for many processes."""

import codecs
import locale
import logging
import os
import weakref

from . import _command, _schedule

# Handlers alive in this process, for the fork hook.
_handlers = weakref.WeakSet()


def _after_fork_in_child():
    for h in list(_handlers):
        h._disown()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _hook_uwsgi_fork():
    """Have uwsgi's post-fork hook drop inherited commands too: uwsgi forks
    its workers in C, where the hooks above do not run (without
    --py-call-osafterfork). Without either hook a worker still notices the
    new process id on its first record; the hook only closes the inherited
    pipe sooner, so that the parent's command ends with the parent."""
    try:
        import uwsgi
    except ImportError:
        return
    previous = getattr(uwsgi, "post_fork_hook", None)

    def hook():
        _after_fork_in_child()
        if previous is not None:
            previous()

    uwsgi.post_fork_hook = hook


_hook_uwsgi_fork()


class CommandDiedError(_command.CommandError):
    """A handler's slogrotate command exited while the handler was using
    it; reported through Handler.handleError, once per exit."""


class TimedRotatingFileHandler(logging.Handler):
    """A handler for logging to a file that rotates at timed intervals,
    shared safely by any number of processes on one host.

    It takes the parameters of logging.handlers.TimedRotatingFileHandler,
    with the same meanings, and hands each formatted record to a slogrotate
    command started in the emitting process, which appends it to filename
    whole, with one write, in the file of its period. Archives are named as
    the standard library names them (error.log.2021-10-18 for 'midnight').
    Boundaries fall on the clock: every hour on the hour for when='h', at
    midnight for 'D', rather than counted from the file's last change.

    Keyword-only parameters beyond the standard library's:

    maxBytes: also roll over when the file reaches this many bytes (0: never).
    compress: gzip archives.
    command: the program to run: a path or a name on PATH, or a sequence
        of it and extra flags for it (such as ['slogrotate', '-format',
        'timestamp']). Without it, the environment variable
        SLOGROTATE_COMMAND, the program a build put inside this package,
        and then 'slogrotate' on PATH are tried.
    timeout: the longest flush() and close() wait, in seconds, for the
        command to write what it was given.
    readInterval: seconds (default 0.001). After a read that brought
        little, the command starts its next read only this long after that
        one began, so that a stream of records is read in batches and a
        record's write does not pay for waking the command; a record may
        wait this long in the pipe, and a write into a full pipe may block
        this long. 0 reads each record at once.

    Unless delay is true, the constructor runs the command once to check
    the configuration, and raises CommandError when it is not found or
    refuses it; with delay, the first emit does and raises. The running
    command is started on the first record in each process: a process
    forked from one that had it starts its own.
    """

    terminator = "\n"

    # The command names and moves archives; the standard library's hooks
    # for doing it in Python cannot apply, so setting one is an error.
    def _no_hook(name):
        def get(self):
            return None

        def set_(self, value):
            if value is not None:
                raise AttributeError("%s cannot be set: the slogrotate command names and moves "
                                     "archives (see its -layout, -archive-dir and -compress flags)"
                                     % name)
        return property(get, set_)

    namer = _no_hook("namer")
    rotator = _no_hook("rotator")
    del _no_hook

    def __init__(self, filename, when="h", interval=1, backupCount=0, encoding=None,
                 delay=False, utc=False, atTime=None, errors=None, *, maxBytes=0,
                 compress=False, command=None, timeout=10.0, readInterval=0.001):
        logging.Handler.__init__(self)
        # Set first: logging.shutdown() flushes even a handler whose
        # constructor raised.
        self._instance = self._argv = None
        flags, self.suffix = _schedule.schedule_flags(when, interval, atTime)
        self.baseFilename = os.path.abspath(os.fspath(filename))
        self.when = when.upper()
        self.interval = interval
        self.backupCount = _whole(backupCount, "backupCount")
        self.maxBytes = _whole(maxBytes, "maxBytes")
        self.readInterval = _seconds(readInterval, "readInterval")
        self.utc, self.atTime, self.compress = bool(utc), atTime, bool(compress)
        self.delay, self.timeout = delay, timeout
        self.encoding, self.errors = encoding, errors
        self._codec = _nul_free_codec(encoding)
        self._errors = errors or "strict"
        program, extra = _split_command(command)
        self._program = program
        self._flags = self._command_flags(flags) + extra + [self.baseFilename]
        _handlers.add(self)
        if not delay:
            self._prepare()

    def _command_flags(self, schedule):
        flags = ["-input", "nul"] + schedule
        if self.utc:
            flags.append("-utc")
        if self.backupCount:
            flags += ["-max-backups", str(self.backupCount)]
        if self.maxBytes:
            flags += ["-max-size", str(self.maxBytes)]
        if self.compress:
            flags.append("-compress")
        if _go_duration(self.readInterval):
            flags += ["-read-interval", _go_duration(self.readInterval)]
        return flags

    def _prepare(self):
        """Find the command and have it check the configuration, once per
        handler."""
        if self._argv is None:
            argv = [_command.find_command(self._program)] + self._flags
            _command.check(argv, self.timeout)
            self._argv = argv

    def emit(self, record):
        """Format the record and hand it to this process's command, starting
        the command if this process has none. When the command is not found
        or refuses the configuration (only possible here with delay), this
        raises, as the standard library's handlers raise when the file
        cannot be opened; any other failure goes to handleError."""
        try:
            msg = self.format(record) + self.terminator
            if "\0" in msg:
                msg = msg.replace("\0", "\\x00")  # the command ends records at NUL
            data = (msg + "\0").encode(self._codec, self._errors)
        except Exception:
            self.handleError(record)
            return
        self._send(data, record)

    def _send(self, data, record):
        inst = self._instance
        if inst is None or inst.owner != os.getpid():
            try:
                inst = self._current()
            except _command.CommandError:
                if self._argv is None:
                    raise  # never checked: the configuration is wrong
                self.handleError(record)  # it worked before: report, go on
                return
        try:
            inst.write(data)
            return
        except OSError:
            pass
        # The command is gone, with whatever it had not read. This record
        # goes to a new one, whole, and the loss is reported once.
        status = inst.status()
        self._instance = None
        try:
            self._current().write(data)
            raise CommandDiedError("slogrotate command (pid %d) for %s exited with status %s; "
                                   "records it had not read are lost; started pid %d"
                                   % (inst.pid, self.baseFilename, status, self._instance.pid))
        except Exception:
            self.handleError(record)

    def _current(self):
        """Return this process's running command, starting it if needed."""
        inst = self._instance
        if inst is not None and inst.owner == os.getpid():
            return inst
        self._disown()
        self._prepare()
        self._instance = _command.Instance(self._argv)
        return self._instance

    def _disown(self):
        """Forget a command inherited across fork, leaving it to its owner."""
        inst = self._instance
        if inst is not None and inst.owner != os.getpid():
            inst.disown()
            self._instance = None

    def flush(self):
        """Wait, at most timeout seconds, until the command has written
        every record handed to it: its input is closed, it writes and exits,
        and the next record starts a new one. Raises CommandError if it
        failed or did not finish in time."""
        self.acquire()
        try:
            self._finish()
        finally:
            self.release()

    def _finish(self):
        self._disown()
        inst, self._instance = self._instance, None
        if inst is None:
            return
        status = inst.finish(self.timeout)
        if status is None:
            raise _command.CommandError("slogrotate command (pid %d) for %s did not finish "
                                        "writing within %gs; it goes on in the background"
                                        % (inst.pid, self.baseFilename, self.timeout))
        if status != 0:
            raise _command.CommandError("slogrotate command (pid %d) for %s exited with status "
                                        "%d; records it had not read are lost"
                                        % (inst.pid, self.baseFilename, status))

    def close(self):
        """Flush, then close the handler. A command inherited from a parent
        process is left running for the parent."""
        self.acquire()
        try:
            try:
                self._finish()
            finally:
                _handlers.discard(self)
                logging.Handler.close(self)
        finally:
            self.release()

    def __repr__(self):
        level = logging.getLevelName(self.level)
        return "<%s %s (%s)>" % (self.__class__.__name__, self.baseFilename, level)


def _whole(n, name):
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError("%s must be a whole number of at least 0, got %r" % (name, n))
    return n


def _seconds(x, name):
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 <= x < float("inf"):
        raise ValueError("%s must be a number of seconds, 0 or more, got %r" % (name, x))
    return x


def _go_duration(seconds):
    """Return seconds as a Go duration for a flag ('1ms'), or '' for none
    (less than a nanosecond)."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return ""
    for unit, size in (("s", 10**9), ("ms", 10**6), ("us", 10**3)):
        if ns % size == 0:
            return "%d%s" % (ns // size, unit)
    return "%dns" % ns


def _split_command(command):
    if command is None or isinstance(command, (str, bytes, os.PathLike)):
        return command, []
    parts = list(command)
    if not parts or not all(isinstance(p, str) for p in parts):
        raise ValueError("command must be a path, or a non-empty sequence of strings, got %r"
                         % (command,))
    return parts[0], parts[1:]


def _nul_free_codec(encoding):
    """Return the codec to encode records with, refusing one that can put
    a NUL byte in a record (UTF-16, UTF-32): the command ends records there."""
    name = encoding or locale.getpreferredencoding(False)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise ValueError("unknown encoding %r" % (name,)) from None
    if "Az09\n".encode(codec) != b"Az09\n":
        raise ValueError("encoding %r is not ASCII-compatible; the slogrotate command needs "
                         "one, such as 'utf-8'" % (name,))
    return codec
