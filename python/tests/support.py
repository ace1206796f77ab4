"""What the tests share: the command, built once, and the checks of a log's
records."""

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)  # python/, which holds the package
REPO = os.path.dirname(PACKAGE_ROOT)

try:
    import slogrotate
except ImportError:  # run from a clone: the package beside the tests
    sys.path.insert(0, PACKAGE_ROOT)
    import slogrotate

# The directory the package is imported from, for child processes.
IMPORT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(slogrotate.__file__)))

_binary = None


def binary():
    """Return the path of a slogrotate command for the tests: the one in
    SLOGROTATE_TEST_COMMAND, else one built from this repository with Go.
    Skips the test when neither is available."""
    global _binary
    if _binary is None:
        _binary = os.environ.get("SLOGROTATE_TEST_COMMAND") or _build()
    return _binary


def _build():
    go = shutil.which("go")
    if go is None:
        raise unittest.SkipTest("go is not installed and SLOGROTATE_TEST_COMMAND is not set")
    out = tempfile.mkdtemp(prefix="slogrotate-cmd-")
    atexit.register(shutil.rmtree, out, True)
    path = os.path.join(out, "slogrotate")
    # Without -mod in GOFLAGS: the command's workspace refuses -mod=mod.
    env = dict(os.environ)
    env["GOFLAGS"] = " ".join(f for f in env.get("GOFLAGS", "").split() if not f.startswith("-mod="))
    subprocess.run([go, "-C", os.path.join(REPO, "cmd", "slogrotate"), "build", "-o", path, "."],
                   check=True, env=env)
    return path


def python_env(**extra):
    """The environment for a child Python that imports slogrotate from the
    tests' own import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([HERE, IMPORT_ROOT])
    env.update(extra)
    return env


def log_files(path):
    """Return the live file and the archives of the log at path, oldest
    first by name (the live file last), without the lock file."""
    d, base = os.path.split(path)
    names = sorted(n for n in os.listdir(d)
                   if n.startswith(base + ".") and not n.endswith(".lock"))
    files = [os.path.join(d, n) for n in names]
    if os.path.exists(path):
        files.append(path)
    return files


def wait_gone(pid, timeout):
    """Wait until process pid has exited (or is a zombie); return whether
    it has."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.01)  # a process of another parent: nothing to wait on
    return False


class Audit:
    """The result of reading every record of a log back: which records are
    there how often, and the text that is not a whole record."""

    def __init__(self, header, expected):
        self._header = re.compile(header, re.M)
        self._expected = expected  # id -> the record's exact text
        self.count = {}
        self.torn = []  # (file, text) of pieces that are not a whole record

    def read(self, path):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        starts = [m.start() for m in self._header.finditer(text)]
        if not starts:
            if text:
                self.torn.append((path, text[:200]))
            return
        if starts[0] != 0:
            self.torn.append((path, text[:starts[0]][:200]))
        for a, b in zip(starts, starts[1:] + [len(text)]):
            chunk = text[a:b]
            rid = self._header.match(chunk).group(1)
            if chunk != self._expected(rid):
                self.torn.append((path, chunk[:300]))
            self.count[rid] = self.count.get(rid, 0) + 1

    def problems(self, ids):
        """Return descriptions of lost, duplicated and torn records."""
        lost = [i for i in ids if i not in self.count]
        dup = [i for i, n in self.count.items() if n > 1]
        out = []
        if lost:
            out.append("%d of %d records lost (e.g. %s)" % (len(lost), len(ids), lost[:3]))
        if dup:
            out.append("%d records more than once (e.g. %s)" % (len(dup), dup[:3]))
        if self.torn:
            out.append("%d pieces not a whole record, first in %s: %r"
                       % (len(self.torn), self.torn[0][0], self.torn[0][1]))
        return out
