"""A worker process for the multi-process tests: it logs COUNT exceptions,
each with its traceback, spread over SECONDS, through one handler:

    python3 workload.py slogrotate|stdlib PATH NAME COUNT SECONDS FILLER [COMMAND]

Each record is 'REC NAME-n', FILLER more lines, and the traceback of
ValueError('boom NAME-n'); record() is also how the tests build the exact
text they expect.
"""

import logging
import logging.handlers
import sys
import time

FORMAT = "REC %(message)s"
HEADER = r"^REC (\S+)\n"


def record(rid, filler, sink):
    try:
        _outer(rid)
    except ValueError:
        sink(rid + "".join("\nfiller %d of %s" % (k, rid) for k in range(filler)))


def _outer(rid):
    _inner(rid)


def _inner(rid):
    raise ValueError("boom " + rid)


def expected(rid, filler=0):
    """The exact text a record of rid is in the log."""
    out = []

    def sink(r):
        rec = logging.LogRecord("w", logging.ERROR, __file__, 0, r, (), sys.exc_info())
        out.append(logging.Formatter(FORMAT).format(rec) + "\n")

    record(rid, filler, sink)
    return out[0]


def main(kind, path, name, count, seconds, filler, command=None):
    if kind == "slogrotate":
        import slogrotate
        h = slogrotate.TimedRotatingFileHandler(path, when="S", command=command)
    else:
        h = logging.handlers.TimedRotatingFileHandler(path, when="S")
    h.setFormatter(logging.Formatter(FORMAT))
    log = logging.getLogger("w")
    log.addHandler(h)
    start = time.monotonic()
    for n in range(count):
        # Spread the records over the seconds asked for, across rollovers.
        ahead = start + n * seconds / count - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
        record("%s-%d" % (name, n), filler, log.exception)
    logging.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]),
         int(sys.argv[6]), *sys.argv[7:])
