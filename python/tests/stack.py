"""The real stack for test_stack: a server (uwsgi or gunicorn) running the
Django project in djangoapp/, HTTP clients, and what /proc says about the
processes."""

import datetime
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request

import support

REQUIRE = "SLOGROTATE_REQUIRE_STACK"
UWSGI_PLUGIN = "/usr/lib/uwsgi/plugins/python3_plugin.so"


def need(program, install):
    """Return program's path, or skip (fail with SLOGROTATE_REQUIRE_STACK=1)
    when it is missing."""
    path = shutil.which(program)
    if program == "uwsgi" and not os.path.exists(UWSGI_PLUGIN):
        path = None
    if program == "gunicorn" and path and subprocess.run(
            [_shebang_python(path), "-c", "import django"], capture_output=True).returncode:
        path = None  # Django is not importable by gunicorn's Python
    if path is None:
        msg = "%s is missing (apt-get install %s; .ci/python.sh does it)" % (program, install)
        if os.environ.get(REQUIRE) == "1":
            raise AssertionError("%s, and %s=1 requires it" % (msg, REQUIRE))
        raise unittest.SkipTest(msg)
    return path


def _shebang_python(script):
    with open(script, "rb") as f:
        line = f.readline().decode()
    return line[2:].split()[0] if line.startswith("#!") else "python3"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process group serving the Django project on 127.0.0.1."""

    def __init__(self, argv, log, handler="slogrotate"):
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
        env.update(PYTHONPATH=os.pathsep.join([support.HERE, support.IMPORT_ROOT]),
                   DJANGO_SETTINGS_MODULE="djangoapp.settings", STACK_LOG=log,
                   STACK_HANDLER=handler, STACK_COMMAND=support.binary())
        self.log = log
        self.output = open(os.path.join(os.path.dirname(log), "server.out"), "w+")
        self.proc = subprocess.Popen(argv, env=env, stdout=self.output, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.url = None

    def wait_ready(self, url, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("the server exited with %s:\n%s" % (self.proc.returncode, self.text()))
            try:
                with urllib.request.urlopen(url + "?rid=", timeout=5):
                    self.url = url
                    return
            except OSError:
                time.sleep(0.05)  # until it listens: a refused connection is no event
        raise AssertionError("the server did not answer within %ds:\n%s" % (timeout, self.text()))

    def text(self):
        self.output.seek(0)
        return self.output.read()[-4000:]

    def workers(self):
        """The master's children but its own command."""
        mine = set(commands(self.log))
        return [p for p in children(self.proc.pid) if p not in mine]

    def stop(self, timeout=30):
        """Stop the server with SIGINT and wait; kill its group if it hangs."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise AssertionError("the server did not stop within %ds" % timeout)
        finally:
            self.output.close()


def _stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), int(fields[3])  # state, ppid, session


def processes(session=None):
    """Return {pid: ppid} of the live processes (zombies left out), those
    of one session if given."""
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                state, ppid, sid = _stat(int(name))
            except (OSError, IndexError):
                continue
            if state != "Z" and session in (None, sid):
                out[int(name)] = ppid
    return out


def children(pid):
    return sorted(p for p, pp in processes().items() if pp == pid)


def commands(log):
    """Return the pids of live slogrotate commands writing log."""
    out = []
    for pid in processes():
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if log.encode() in argv and b"-input" in argv:
            out.append(pid)
    return out


def pipe_writers(pids, pipe):
    """Return the pids among pids holding the pipe (as 'pipe:[inode]')."""
    out = []
    for pid in pids:
        try:
            fds = os.listdir("/proc/%d/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == pipe:
                    out.append(pid)
                    break
            except OSError:
                pass
    return out


def check_one_command_per_worker(log, tree_pids, settle=1.0):
    """Return (problems, {process: its commands}) for the commands of log:
    no process may have two, and each command's input pipe must be held by
    one of tree_pids alone. A process caught between its fork and its
    at-fork hook holds its parent's pipe for a moment, so a problem counts
    only if every look for settle seconds finds it again."""
    problems, parents = _scan(log, tree_pids)
    deadline = time.monotonic() + settle
    while problems and time.monotonic() < deadline:
        time.sleep(0.02)  # the hook runs in the other process: no event reaches us
        again, _ = _scan(log, tree_pids)
        problems = {k: v for k, v in problems.items() if k in again}
    return sorted(problems.values()), parents


def _scan(log, tree_pids):
    problems, parents = {}, {}
    for cmd in commands(log):
        ppid = processes().get(cmd)
        if ppid in tree_pids:
            parents.setdefault(ppid, []).append(cmd)
        try:
            pipe = os.readlink("/proc/%d/fd/0" % cmd)
        except OSError:
            continue  # it has just exited
        holders = pipe_writers(tree_pids, pipe)
        if len(holders) > 1:
            problems[("pipe", cmd)] = "the input of command %d is held by %s" % (cmd, holders)
    for p, c in parents.items():
        if len(c) > 1:
            problems[("two", p)] = "process %d has commands %s" % (p, c)
    return problems, parents


class Clients:
    """Clients sending requests with unique ids to the server, one in ten
    to the view that raises, until stopped; they remember what was
    answered."""

    def __init__(self, url, n=6):
        self.url, self.stopping = url, threading.Event()
        self.lines, self.tracebacks, self.errors = [], [], []
        self.threads = [threading.Thread(target=self._run, args=(c,)) for c in range(n)]
        for t in self.threads:
            t.start()

    def _run(self, c):
        n = 0
        while not self.stopping.is_set() and n < 5000:  # bounded
            rid = "c%d-%d" % (c, n)
            raising = n % 10 == 9
            status = self._get("%s%s?rid=%s" % (self.url, "boom" if raising else "", rid))
            if status == 200 and not raising:
                self.lines.append(rid)
            elif status == 500 and raising:
                self.tracebacks.append(rid)
            elif status is not None:
                self.errors.append("%s: status %s" % (rid, status))
            n += 1

    def _get(self, url):
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None  # during a reload or a worker's death: not answered

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join()


def wait_archives(log, n, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(support.log_files(log)) - 1 >= n:
            return
        time.sleep(0.05)  # rollovers come with the clock
    raise AssertionError("fewer than %d archives after %ds" % (n, timeout))


STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d+Z ", re.M)
LOADED = re.compile(r"pid=\d+ INFO app loaded\n\Z")
REQUEST = re.compile(r"pid=(\d+) INFO app request rid=(\S*)\n\Z")
ERROR_HEAD = re.compile(r"pid=\d+ ERROR django.request Internal Server Error: /boom\n")


def audit(log):
    """Read every file of log: return (request ids, traceback ids, problems)
    where the ids map to how often each was found (lines.pids holds the
    processes that logged them), and problems lists every record out of its
    period's file and every piece that is not one whole record."""
    lines, tracebacks, problems, shapes = _Counts(), {}, [], {}
    latest = ""
    for f in support.log_files(log):  # the archives in order, then the live file
        period = _period(f, log)
        latest = period or latest
        with open(f, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        starts = [m.start() for m in STAMP.finditer(text)]
        if text and (not starts or starts[0] != 0):
            problems.append("%s starts with a piece of a record: %r" % (f, text[:100]))
        for a, b in zip(starts, starts[1:] + [len(text)]):
            rec = text[a:b]
            stamp = STAMP.match(rec).group(1)
            if period is not None and stamp != period or period is None and stamp <= latest:
                problems.append("%s holds a record of %s" % (f, stamp))
            _classify(rec[STAMP.match(rec).end():], lines, tracebacks, problems, shapes)
    if len(shapes) > 1:
        problems.append("tracebacks of %d different lengths: %s" % (len(shapes), shapes))
    return lines, tracebacks, problems


class _Counts(dict):
    def __init__(self):
        super().__init__()
        self.pids = set()


def _period(path, log):
    """The period an archive holds, as its records' stamps start; None for
    the live file."""
    if path == log:
        return None
    suffix = path[len(log) + 1:]
    t = datetime.datetime.strptime(suffix.split(".")[0], "%Y-%m-%d_%H-%M-%S")
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def _classify(body, lines, tracebacks, problems, shapes):
    if LOADED.match(body):
        return
    m = REQUEST.match(body)
    if m:
        lines[m.group(2)] = lines.get(m.group(2), 0) + 1
        lines.pids.add(m.group(1))
        return
    if ERROR_HEAD.match(body):
        rows = body.split("\n")
        end = re.match(r"ValueError: boom rid=(\S+)$", rows[-2]) if len(rows) > 2 else None
        if rows[1] == "Traceback (most recent call last):" and end and rows[-1] == "":
            tracebacks[end.group(1)] = tracebacks.get(end.group(1), 0) + 1
            shapes[len(rows)] = shapes.get(len(rows), 0) + 1
            return
    problems.append("not one whole record: %r" % body[:300])


def count_problems(kind, sent, found):
    lost = [r for r in sent if found.get(r, 0) == 0]
    dup = [r for r in sent if found.get(r, 0) > 1]
    out = []
    if lost:
        out.append("%d of %d %s lost (e.g. %s)" % (len(lost), len(sent), kind, lost[:3]))
    if dup:
        out.append("%d %s more than once (e.g. %s)" % (len(dup), kind, dup[:3]))
    return out
