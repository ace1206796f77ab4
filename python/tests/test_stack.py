"""The production stack: Django under uwsgi and gunicorn, four workers
logging through the handler into one log rolling over every second, a
worker killed with SIGKILL and a reload in the middle; and the same run
with the standard library's handler, which must fail.

Needs Debian's uwsgi-core, uwsgi-plugin-python3, gunicorn and
python3-django (.ci/python.sh installs them); skipped without them unless
SLOGROTATE_REQUIRE_STACK=1.
"""

import os
import signal
import sys
import tempfile
import time
import unittest

import stack
import support


def uwsgi(port, *extra):
    return [stack.need("uwsgi", "uwsgi-core uwsgi-plugin-python3"), "--plugin", "python3",
            "--master", "--processes", "4", "--http-socket", "127.0.0.1:%d" % port,
            "--module", "djangoapp.wsgi:application", "--need-app", "--disable-logging"] + list(extra)


def gunicorn(port, *extra):
    return [stack.need("gunicorn", "gunicorn python3-django"), "--workers", "4",
            "--bind", "127.0.0.1:%d" % port, "--graceful-timeout", "5"] + list(extra) + [
            "djangoapp.wsgi:application"]


class Run:
    """One run: the server up, clients sending requests across rollovers, a
    worker killed at the second rollover and a reload at the fourth, the
    server stopped after the seventh."""

    def __init__(self, test, argv_for, handler):
        d = tempfile.TemporaryDirectory()
        test.addCleanup(d.cleanup)
        self.log = os.path.join(d.name, "error.log")
        port = stack.free_port()
        self.server = stack.Server(argv_for(port), self.log, handler)
        test.addCleanup(self._kill_leftovers)
        self.server.wait_ready("http://127.0.0.1:%d/" % port)
        self.samples = []
        clients = stack.Clients(self.server.url)
        try:
            self._middle()
        finally:
            clients.stop()
        self.clients = clients
        self.server.stop()
        self.leftovers = self._wait_ended()

    def _middle(self):
        for n in range(1, 8):
            stack.wait_archives(self.log, n, 30)
            self.samples.append(self._sample())
            if n == 2:
                os.kill(self.server.workers()[0], signal.SIGKILL)
            elif n == 4:
                os.kill(self.server.proc.pid, signal.SIGHUP)  # reload

    def _sample(self):
        return stack.check_one_command_per_worker(
            self.log, [self.server.proc.pid] + self.server.workers())

    def _wait_ended(self, timeout=15):
        """Wait until no command of the log and no server process is left;
        return what is left after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = stack.commands(self.log) + list(stack.processes(self.server.proc.pid))
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.05)  # they exit on their own: nothing to wait on

    def _kill_leftovers(self):
        for pid in stack.commands(self.log) + list(stack.processes(self.server.proc.pid)):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def problems(self):
        lines, tracebacks, problems = stack.audit(self.log)
        self.logging_pids = lines.pids
        problems += stack.count_problems("request lines", self.clients.lines, lines)
        problems += stack.count_problems("tracebacks", self.clients.tracebacks, tracebacks)
        return problems


class StackTest(unittest.TestCase):

    def check(self, argv_for):
        run = Run(self, argv_for, "slogrotate")
        self.assertEqual(run.clients.errors, [])
        self.assertEqual(run.problems(), [])
        self.assertGreaterEqual(len(run.logging_pids), 4, "fewer than 4 workers logged")
        self.assertEqual(run.leftovers, [], "processes left running after shutdown")
        workers = set()
        for problems, parents in run.samples:
            self.assertEqual(problems, [])
            workers.update(parents)
        print("\n%d request lines and %d tracebacks from %d processes; %d had a command "
              "when looked at" % (len(run.clients.lines), len(run.clients.tracebacks),
                                  len(run.logging_pids), len(workers)), file=sys.stderr)
        self.assertGreater(len(run.clients.tracebacks), 20)
        self.assertGreater(len(run.clients.lines), 200)

    def test_uwsgi(self):
        self.check(uwsgi)

    def test_uwsgi_lazy_apps(self):
        self.check(lambda port: uwsgi(port, "--lazy-apps"))

    def test_gunicorn(self):
        self.check(gunicorn)

    def test_gunicorn_preload(self):
        self.check(lambda port: gunicorn(port, "--preload"))

    def check_fork_drops_pipe(self, argv_for):
        # The master logged as the app loaded, so it has a command; workers
        # that have logged nothing yet must not hold its pipe, or it would
        # outlive the master.
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        log = os.path.join(d.name, "error.log")
        port = stack.free_port()
        server = stack.Server(argv_for(port), log)
        try:
            server.wait_ready("http://127.0.0.1:%d/" % port)
            problems, parents = stack.check_one_command_per_worker(
                log, [server.proc.pid] + server.workers())
        finally:
            server.stop()
        self.assertIn(server.proc.pid, parents, "the master has no command")
        self.assertEqual(problems, [])

    def test_uwsgi_workers_drop_the_masters_pipe_at_fork(self):
        self.check_fork_drops_pipe(uwsgi)

    def test_gunicorn_preload_workers_drop_the_masters_pipe_at_fork(self):
        self.check_fork_drops_pipe(lambda port: gunicorn(port, "--preload"))

    def test_stdlib_handler_fails_under_uwsgi(self):
        # What the project exists for: the same run through the standard
        # library's handler loses or misfiles records.
        run = Run(self, uwsgi, "stdlib")
        problems = run.problems()
        self.assertNotEqual(problems, [], "the standard library's handler passed")
        print("\nstdlib under uwsgi: %d problems, e.g. %s" % (len(problems), problems[-2:]),
              file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
