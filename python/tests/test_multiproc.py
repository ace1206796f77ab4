"""The issue's test: four processes log 3,000 exceptions each into one log
rolling over every second."""

import os
import re
import subprocess
import sys
import tempfile
import unittest

import support
import workload

PROCS, COUNT, SECONDS = 4, 3000, 4.0


def run_workers(kind, path, command=None, count=COUNT, seconds=SECONDS, filler=0):
    """Run the worker processes and return the ids of every record they
    logged."""
    extra = [command] if command else []
    procs = [subprocess.Popen([sys.executable, os.path.join(support.HERE, "workload.py"),
                               kind, path, "p%d" % i, str(count), str(seconds), str(filler)]
                              + extra,
                              env=support.python_env())
             for i in range(PROCS)]
    try:
        for p in procs:
            if p.wait(120) != 0:
                raise AssertionError("a %s worker exited with status %d" % (kind, p.returncode))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return ["p%d-%d" % (i, n) for i in range(PROCS) for n in range(count)]


def audit(path, ids, filler=0):
    a = support.Audit(workload.HEADER, lambda rid: workload.expected(rid, filler))
    files = support.log_files(path)
    for f in files:
        a.read(f)
    return a.problems(ids), files


class MultiProcessTest(unittest.TestCase):

    def test_tracebacks_whole_and_once_across_archives(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "error.log")
            ids = run_workers("slogrotate", path, support.binary())
            problems, files = audit(path, ids)
            self.assertEqual(problems, [])
            archives = [os.path.basename(f) for f in files if f != path]
            self.assertGreaterEqual(len(archives), 3, "the run spanned too few rollovers")
            # The standard library's names for when='S'.
            for name in archives:
                self.assertRegex(name, r"^error\.log\.\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$")

    def test_records_larger_than_the_pipe_stay_whole(self):
        # A record of 20,000 lines (about 500 KB) reaches the command in
        # several reads, and is still appended with one write.
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "error.log")
            ids = run_workers("slogrotate", path, support.binary(), count=10, seconds=1.5,
                              filler=20000)
            problems, _ = audit(path, ids, filler=20000)
            self.assertEqual(problems, [])

    def test_stdlib_handler_fails_the_same_check(self):
        # The failure this package exists for: the same workload through
        # the standard library's handler loses, duplicates or tears records.
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "error.log")
            ids = run_workers("stdlib", path)
            problems, _ = audit(path, ids)
            self.assertNotEqual(problems, [], "the standard library's handler passed the check")
            print("\nstdlib TimedRotatingFileHandler: " + "; ".join(problems), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
