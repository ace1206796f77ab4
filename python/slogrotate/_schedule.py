"""The mapping of logging.handlers.TimedRotatingFileHandler's rollover
parameters onto the slogrotate command's flags."""

import datetime

# when -> (seconds in one unit, strftime suffix, Go layout of the same names)
_UNITS = {
    "S": (1, "%Y-%m-%d_%H-%M-%S", "2006-01-02_15-04-05"),
    "M": (60, "%Y-%m-%d_%H-%M", "2006-01-02_15-04"),
    "H": (3600, "%Y-%m-%d_%H", "2006-01-02_15"),
    "D": (86400, "%Y-%m-%d", "2006-01-02"),
    "MIDNIGHT": (86400, "%Y-%m-%d", "2006-01-02"),
}

# Python numbers weekdays from Monday (W0), the command names them.
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday",
             "saturday", "sunday")

_DAY = 86400


def schedule_flags(when, interval, atTime):
    """Return (flags, suffix) for a rollover schedule given as the standard
    library's when, interval and atTime: the command's schedule and -layout
    flags, and the strftime suffix of archive names (the standard library's
    own, which the layout reproduces).

    Raises ValueError naming the parameter when the schedule is not one the
    standard library accepts, or is one the command cannot keep faithfully.
    """
    if not isinstance(when, str):
        raise ValueError("when must be a string such as 'h' or 'midnight', got %r" % (when,))
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
        raise ValueError("interval must be a whole number of at least 1, got %r" % (interval,))
    w = when.upper()
    if w.startswith("W"):
        return _weekly(w, interval, atTime)
    if w not in _UNITS:
        raise ValueError("Invalid rollover interval specified: %s" % when)
    unit, suffix, layout = _UNITS[w]
    if w == "MIDNIGHT":
        return _midnight(interval, atTime) + ["-layout", layout], suffix
    if atTime is not None:
        raise ValueError("atTime is used only with when='midnight' or 'W0'..'W6', not with when=%r" % when)
    seconds = unit * interval
    if seconds > _DAY:
        raise ValueError("when=%r with interval=%d is a period of %d seconds; the slogrotate "
                         "command's periods are at most a day (use when='W0'..'W6' for weeks)"
                         % (when, interval, seconds))
    return ["-every", "%ds" % seconds, "-layout", layout], suffix


def _midnight(interval, atTime):
    if interval != 1:
        raise ValueError("when='midnight' with interval=%d: the slogrotate command rolls over "
                         "once a day; use interval=1" % interval)
    if atTime is None:
        return ["-daily"]
    return ["-daily-at", _hour_minute(atTime, "midnight")]


def _weekly(w, interval, atTime):
    if len(w) != 2 or not "0" <= w[1] <= "6":
        raise ValueError("Invalid day specified for weekly rollover: %s (want W0..W6, 0 is Monday)" % w)
    if interval != 1:
        raise ValueError("when=%r with interval=%d: the slogrotate command rolls over every "
                         "week; use interval=1" % (w, interval))
    if atTime is not None and _hour_minute(atTime, w) != "00:00":
        raise ValueError("when=%r with atTime=%s: the slogrotate command's weekly rollover is "
                         "at midnight; leave atTime unset" % (w, atTime))
    return ["-weekly", _WEEKDAYS[int(w[1])], "-layout", "2006-01-02"], "%Y-%m-%d"


def _hour_minute(atTime, when):
    if not isinstance(atTime, datetime.time):
        raise ValueError("atTime must be a datetime.time, got %r" % (atTime,))
    if atTime.second or atTime.microsecond:
        raise ValueError("atTime=%s with when=%r: the slogrotate command rolls over on a whole "
                         "minute; drop the seconds" % (atTime, when))
    if atTime.tzinfo is not None:
        raise ValueError("atTime=%s has a time zone; the slogrotate command uses local time, or "
                         "UTC with utc=True" % (atTime,))
    return "%02d:%02d" % (atTime.hour, atTime.minute)
