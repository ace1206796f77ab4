"""The handler in one process (and its forks): parameters, finding the
command, a command that dies, fork."""

import datetime
import logging
import os
import signal
import tempfile
import time
import unittest

import support
from slogrotate import (CommandDiedError, CommandError, CommandNotFoundError,
                        TimedRotatingFileHandler, _command)


def make_logger(handler):
    log = logging.getLogger("test.%d" % id(handler))
    log.propagate = False
    log.addHandler(handler)
    return log


def read_log(path):
    text = ""
    for f in support.log_files(path):
        with open(f, encoding="utf-8") as fh:
            text += fh.read()
    return text


def wait_for_text(path, text, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in read_log(path):
            return True
        time.sleep(0.01)  # the command writes on its own: no event reaches us
    return False


class Recorder(TimedRotatingFileHandler):
    """A handler that keeps what it reports through handleError."""

    def handleError(self, record):
        import sys
        self.reported = getattr(self, "reported", []) + [sys.exc_info()[1]]


class TempLog(unittest.TestCase):

    def setUp(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        self.dir = d.name
        self.path = os.path.join(d.name, "error.log")

    def handler(self, cls=TimedRotatingFileHandler, **kw):
        kw.setdefault("command", support.binary())
        h = cls(self.path, **kw)
        self.addCleanup(h.close)
        return h


class ParameterTest(TempLog):

    def argv(self, **kw):
        return self.handler(delay=False, **kw)._argv[1:-1]

    def test_schedules_map_to_flags_and_stdlib_names(self):
        cases = [
            (dict(when="S"), ["-every", "1s", "-layout", "2006-01-02_15-04-05"], "%Y-%m-%d_%H-%M-%S"),
            (dict(when="s", interval=30), ["-every", "30s"], "%Y-%m-%d_%H-%M-%S"),
            (dict(when="M", interval=15), ["-every", "900s", "-layout", "2006-01-02_15-04"], "%Y-%m-%d_%H-%M"),
            (dict(when="h"), ["-every", "3600s", "-layout", "2006-01-02_15"], "%Y-%m-%d_%H"),
            (dict(when="D"), ["-every", "86400s", "-layout", "2006-01-02"], "%Y-%m-%d"),
            (dict(when="midnight"), ["-daily", "-layout", "2006-01-02"], "%Y-%m-%d"),
            (dict(when="midnight", atTime=datetime.time(6, 30)), ["-daily-at", "06:30"], "%Y-%m-%d"),
            (dict(when="W0"), ["-weekly", "monday"], "%Y-%m-%d"),
            (dict(when="w6", atTime=datetime.time(0, 0)), ["-weekly", "sunday"], "%Y-%m-%d"),
            (dict(when="midnight", utc=True, backupCount=7, maxBytes=1 << 20, compress=True),
             ["-utc", "-max-backups", "7", "-max-size", "1048576", "-compress"], "%Y-%m-%d"),
            (dict(), ["-read-interval", "1ms"], "%Y-%m-%d_%H"),
            (dict(readInterval=0.0025), ["-read-interval", "2500us"], "%Y-%m-%d_%H"),
            (dict(readInterval=2), ["-read-interval", "2s"], "%Y-%m-%d_%H"),
        ]
        for kw, flags, suffix in cases:
            with self.subTest(**kw):
                h = self.handler(delay=True, **kw)
                argv = h._flags
                self.assertEqual(argv[:2], ["-input", "nul"])
                joined = " ".join(argv)
                self.assertIn(" ".join(flags), joined)
                self.assertEqual(h.suffix, suffix)
                self.assertEqual(argv[-1], self.path)

    def test_the_command_accepts_every_mapping(self):
        # Run with delay=False, the command itself checks the flags.
        for when in ["S", "M", "H", "D", "MIDNIGHT", "W3"]:
            with self.subTest(when=when):
                self.argv(when=when, backupCount=3, maxBytes=4096, compress=True, utc=True,
                          readInterval=0.0015)

    def test_read_interval_zero_passes_no_flag(self):
        argv = self.argv(readInterval=0)
        self.assertNotIn("-read-interval", argv)

    def test_bad_parameters_are_errors_naming_them(self):
        cases = [
            (dict(when="X"), "Invalid rollover interval"),
            (dict(when="W7"), "W7"),
            (dict(when="W"), "W"),
            (dict(when="S", interval=0), "interval"),
            (dict(when="D", interval=2), "interval=2"),
            (dict(when="H", interval=25), "interval=25"),
            (dict(when="midnight", interval=2), "interval=2"),
            (dict(when="H", atTime=datetime.time(1, 0)), "atTime"),
            (dict(when="midnight", atTime=datetime.time(1, 0, 30)), "atTime"),
            (dict(when="W1", atTime=datetime.time(5, 0)), "atTime"),
            (dict(when="midnight", atTime="01:00"), "atTime"),
            (dict(backupCount=-1), "backupCount"),
            (dict(maxBytes=1.5), "maxBytes"),
            (dict(encoding="utf-16"), "utf-16"),
            (dict(encoding="no-such-codec"), "no-such-codec"),
            (dict(command=[]), "command"),
            (dict(readInterval=-0.001), "readInterval"),
            (dict(readInterval="1ms"), "readInterval"),
            (dict(readInterval=True), "readInterval"),
            (dict(readInterval=float("nan")), "readInterval"),
        ]
        for kw, word in cases:
            with self.subTest(**kw):
                with self.assertRaises(ValueError) as cm:
                    self.handler(delay=True, **kw)
                self.assertIn(word, str(cm.exception))

    def test_namer_and_rotator_cannot_be_set(self):
        h = self.handler(delay=True)
        for name in ["namer", "rotator"]:
            with self.assertRaises(AttributeError) as cm:
                setattr(h, name, lambda *a: None)
            self.assertIn("slogrotate command", str(cm.exception))

    def test_dictconfig_changes_one_class_line(self):
        # A Django-style LOGGING for the standard library's handler, and the
        # same with the class changed and nothing else.
        import copy
        import logging.config
        config = {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"standard": {"format": "%(levelname)s %(message)s"}},
            "handlers": {"error": {
                "level": "ERROR",
                "class": "logging.handlers.TimedRotatingFileHandler",
                "filename": self.path,
                "when": "midnight",
                "backupCount": 30,
                "encoding": "utf-8",
                "formatter": "standard",
            }},
            "loggers": {"dictconfig.test": {"handlers": ["error"], "level": "ERROR"}},
        }
        ours = copy.deepcopy(config)
        ours["handlers"]["error"]["class"] = "slogrotate.TimedRotatingFileHandler"
        os.environ[_command.ENV_VAR] = support.binary()
        self.addCleanup(os.environ.pop, _command.ENV_VAR)
        self.addCleanup(logging.config.dictConfig, {"version": 1, "disable_existing_loggers": False})
        logging.config.dictConfig(ours)
        log = logging.getLogger("dictconfig.test")
        self.assertIsInstance(log.handlers[0], TimedRotatingFileHandler)
        log.error("through dictConfig")
        log.handlers[0].flush()
        self.assertEqual(read_log(self.path), "ERROR through dictConfig\n")

    def test_unusable_path_is_an_error_from_the_constructor(self):
        # The command creates missing directories; a file in the way it
        # cannot replace.
        blocker = os.path.join(self.dir, "file")
        open(blocker, "w").close()
        with self.assertRaises(CommandError) as cm:
            TimedRotatingFileHandler(os.path.join(blocker, "app.log"), command=support.binary())
        self.assertIn(blocker + ": not a directory", str(cm.exception))


class LookupTest(TempLog):

    def setUp(self):
        super().setUp()
        saved = (os.environ.get("PATH"), os.environ.pop(_command.ENV_VAR, None), _command._SHIPPED)
        os.environ["PATH"] = self.dir  # holds no slogrotate
        _command._SHIPPED = os.path.join(self.dir, "bin", "slogrotate")
        self.addCleanup(self._restore, saved)

    def _restore(self, saved):
        os.environ["PATH"], env, _command._SHIPPED = saved
        if env is not None:
            os.environ[_command.ENV_VAR] = env

    def test_delay_first_emit_raises_naming_every_place(self):
        h = TimedRotatingFileHandler(self.path, delay=True)
        self.addCleanup(h.close)
        log = make_logger(h)
        with self.assertRaises(CommandNotFoundError) as cm:
            log.error("nobody will write this")
        msg = str(cm.exception)
        for place in ["command=", "$SLOGROTATE_COMMAND", "package", "PATH"]:
            self.assertIn(place, msg)

    def test_constructor_raises_without_delay(self):
        with self.assertRaises(CommandNotFoundError):
            TimedRotatingFileHandler(self.path)

    def test_places_in_order(self):
        good = support.binary()
        os.environ["PATH"] = os.path.dirname(good)
        self.assertEqual(_command.find_command(), good)
        os.environ[_command.ENV_VAR] = os.path.join(self.dir, "missing")
        with self.assertRaises(CommandNotFoundError) as cm:
            _command.find_command()  # named, so no looking further
        self.assertIn("missing", str(cm.exception))
        self.assertEqual(_command.find_command(good), good)


class CommandDeathTest(TempLog):

    def test_died_command_is_reported_once_and_replaced(self):
        h = self.handler(cls=Recorder, when="S")
        log = make_logger(h)
        log.error("before")
        self.assertTrue(wait_for_text(self.path, "before\n"))
        first = h._instance
        os.kill(first.pid, signal.SIGKILL)
        first.proc.wait()
        for i in range(100):
            log.error("after %d", i)
        h.flush()
        self.assertEqual(len(h.reported), 1, h.reported)
        self.assertIsInstance(h.reported[0], CommandDiedError)
        self.assertIn(str(first.pid), str(h.reported[0]))
        text = read_log(self.path)
        for i in range(100):
            self.assertEqual(text.count("after %d\n" % i), 1)

    def test_command_that_cannot_restart_is_reported_per_record(self):
        import shutil
        program = os.path.join(self.dir, "slogrotate")
        shutil.copy(support.binary(), program)
        h = self.handler(cls=Recorder, command=program)
        log = make_logger(h)
        log.error("before")
        h.flush()
        os.remove(program)
        log.error("lost 1")
        log.error("lost 2")
        self.assertEqual(len(h.reported), 2, h.reported)
        self.assertIsInstance(h.reported[0], CommandError)
        self.assertIn(program, str(h.reported[0]))

    def test_flush_waits_until_written_and_close_leaves_nothing_running(self):
        h = self.handler(when="S")
        log = make_logger(h)
        for i in range(2000):
            log.error("record %d", i)
        pid = h._instance.pid
        h.flush()
        text = read_log(self.path)
        self.assertTrue(all("record %d\n" % i in text for i in range(2000)))
        log.error("after flush")
        self.assertNotEqual(h._instance.pid, pid)
        h.close()
        self.assertIsNone(h._instance)
        self.assertIn("after flush\n", read_log(self.path))

    def test_records_reach_the_file_without_flush(self):
        # The default read interval batches reads; it never holds back a
        # record that came alone, nor the last of a run.
        h = self.handler()
        log = make_logger(h)
        log.error("alone")
        self.assertTrue(wait_for_text(self.path, "alone\n"), read_log(self.path))
        for i in range(100):
            log.error("run %d", i)
        self.assertTrue(wait_for_text(self.path, "run 99\n"), read_log(self.path))

    def test_nul_in_a_message_is_escaped(self):
        h = self.handler()
        make_logger(h).error("a\0b\nc")
        h.flush()
        self.assertEqual(read_log(self.path), "a\\x00b\nc\n")


_KILLED_WORKER = """
import logging, os, signal, sys, slogrotate
h = slogrotate.TimedRotatingFileHandler(sys.argv[1], when="S", command=sys.argv[2])
log = logging.getLogger("w")
log.addHandler(h)
for i in range(5000):
    log.error("record %d", i)
print(h._instance.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


class KilledWorkerTest(TempLog):

    def test_sigkill_loses_nothing_handed_over(self):
        import subprocess
        import sys
        p = subprocess.run([sys.executable, "-c", _KILLED_WORKER, self.path, support.binary()],
                           env=support.python_env(), stdout=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, -signal.SIGKILL)
        command = int(p.stdout)
        self.assertTrue(support.wait_gone(command, 10), "the command outlived its input")
        text = read_log(self.path)
        missing = [i for i in range(5000) if text.count("record %d\n" % i) != 1]
        self.assertEqual(missing, [])


_GROUP_SIGNALLED = """
import logging, os, signal, sys, time, slogrotate
h = slogrotate.TimedRotatingFileHandler(sys.argv[1], when="S", command=sys.argv[2])
log = logging.getLogger("w")
log.addHandler(h)
log.error("before")
got = []
signal.signal(signal.SIGINT, lambda *a: got.append(1))  # a worker that shuts down gracefully
print(h._instance.pid, flush=True)
while not got:
    signal.pause()
# The command would have had the same signal: give it time to act on it
# (proving that it does not takes a bounded wait; no event says it).
deadline = time.monotonic() + 1
while time.monotonic() < deadline and os.waitpid(h._instance.pid, os.WNOHANG) == (0, 0):
    time.sleep(0.01)
for i in range(100):
    log.error("after %d", i)
logging.shutdown()
"""


class GroupSignalTest(TempLog):

    def test_signals_to_the_workers_group_do_not_reach_the_command(self):
        # A terminal's Ctrl-C, or a supervisor's kill of the process group,
        # signals every process in the group; the worker logs on while it
        # shuts down, so its command must not be in the group.
        import subprocess
        import sys
        p = subprocess.Popen([sys.executable, "-c", _GROUP_SIGNALLED, self.path, support.binary()],
                             env=support.python_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        self.addCleanup(p.kill)
        int(p.stdout.readline())  # the command runs
        os.killpg(p.pid, signal.SIGINT)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err.decode())
        self.assertNotIn(b"Logging error", err)
        text = read_log(self.path)
        missing = [i for i in range(100) if text.count("after %d\n" % i) != 1]
        self.assertEqual(missing, [])


class ForkTest(TempLog):

    def fork_and_log(self, fork, h, log):
        """Fork with fork(), log in the child, and return the pid of the
        command the child used."""
        r, w = os.pipe()
        pid = fork()
        if pid == 0:
            try:
                os.close(r)
                log.error("child %d", os.getpid())
                os.write(w, str(h._instance.pid).encode())
                h.close()
            finally:
                os._exit(0)
        os.close(w)
        with os.fdopen(r) as f:
            child_cmd = int(f.read())
        os.waitpid(pid, 0)
        return child_cmd

    def check_fork(self, fork):
        h = self.handler()
        log = make_logger(h)
        log.error("parent 1")
        mine = h._instance.pid
        theirs = self.fork_and_log(fork, h, log)
        self.assertNotEqual(theirs, mine, "the child wrote through its parent's command")
        log.error("parent 2")
        self.assertEqual(h._instance.pid, mine, "the parent's command was replaced")
        # The child closed its copy of the pipe: the parent's command ends
        # when the parent closes its end.
        h.timeout = 5
        h.flush()
        text = read_log(self.path)
        for line in ["parent 1\n", "parent 2\n"]:
            self.assertEqual(text.count(line), 1)
        self.assertEqual(text.count("child "), 1)

    def test_os_fork(self):
        self.check_fork(os.fork)

    def test_fork_without_python_hooks(self):
        # uwsgi forks its workers in C: Python's at-fork hooks do not run,
        # and the handler notices the new process id.
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        self.check_fork(libc.fork)


if __name__ == "__main__":
    unittest.main()
