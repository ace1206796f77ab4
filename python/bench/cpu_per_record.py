"""What a record costs the worker process: CPU time (time.process_time,
user and system, this process only) per record through
slogrotate.TimedRotatingFileHandler, next to logging.FileHandler and the
standard library's TimedRotatingFileHandler writing the same records, in
one run. The command's own CPU is another process's and is not counted.
slogrotate's handler runs once per read interval of -intervals (seconds,
default 0 and 0.001: each record read at once, and the handler's default).

    python3 python/bench/cpu_per_record.py [-n RECORDS] [-rounds N] [-command PATH] [-intervals 0,0.001]

Each round runs every handler once, in turn; the table gives the median
over rounds of CPU microseconds per record, and the median (and range) over
rounds of the ratio to FileHandler in the same round.
"""

import argparse
import logging
import logging.handlers
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import slogrotate  # noqa: E402  (the package beside this directory)

FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s %(message)s"


def handlers(d, command, intervals):
    hs = {
        "logging.FileHandler": lambda: logging.FileHandler(os.path.join(d, "file.log")),
        "stdlib TimedRotatingFileHandler": lambda: logging.handlers.TimedRotatingFileHandler(
            os.path.join(d, "stdlib.log"), when="midnight"),
    }
    for sec in intervals:
        hs["slogrotate, readInterval=%g" % sec] = (
            lambda sec=sec: slogrotate.TimedRotatingFileHandler(
                os.path.join(d, "slogrotate.log"), when="midnight", command=command,
                readInterval=sec))
    return hs


def line(log, i):
    log.info("GET /api/orders/%d 200 12.3ms user=alice agent=Mozilla/5.0", i)


def traceback_record(log, i):
    try:
        {}["order-%d" % i]
    except KeyError:
        log.exception("order lookup failed")


def measure(make, emit, n):
    """CPU seconds this process spends emitting n records through a new
    handler (started by one record first, flushed and closed after)."""
    h = make()
    h.setFormatter(logging.Formatter(FORMAT))
    log = logging.getLogger("bench")
    log.handlers[:] = [h]
    log.propagate = False
    log.setLevel(logging.INFO)
    emit(log, -1)
    start = time.process_time()
    for i in range(n):
        emit(log, i)
    used = time.process_time() - start
    h.close()
    return used


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=5000, help="records per handler per round")
    ap.add_argument("-rounds", type=int, default=15)
    ap.add_argument("-command", default=None, help="the slogrotate program (default: looked up)")
    ap.add_argument("-intervals", default="0,0.001",
                    help="slogrotate's readInterval values to measure, seconds, comma-separated")
    args = ap.parse_args()
    intervals = [float(x) for x in args.intervals.split(",")]
    with tempfile.TemporaryDirectory() as d:
        hs = handlers(d, args.command, intervals)
        for kind, emit in [("line", line), ("traceback", traceback_record)]:
            times = {name: [] for name in hs}
            for _ in range(args.rounds):
                for name, make in hs.items():
                    times[name].append(measure(make, emit, args.n) / args.n)
            report(kind, times)


def report(kind, times):
    print("%s records:" % kind)
    for name, ts in times.items():
        ratios = [t / b for t, b in zip(ts, times["logging.FileHandler"])]
        print("  %-36s %7.2f us CPU/record  %.2fx FileHandler (rounds %.2f-%.2f)"
              % (name, statistics.median(ts) * 1e6, statistics.median(ratios),
                 min(ratios), max(ratios)))


if __name__ == "__main__":
    main()
