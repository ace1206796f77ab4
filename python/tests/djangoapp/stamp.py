"""The command's -format timestamp stamp, made by a formatter, for the
standard library's handler in the comparison run."""

import datetime
import logging


class StampFormatter(logging.Formatter):
    def format(self, record):
        t = datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc)
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ ") + super().format(record)
