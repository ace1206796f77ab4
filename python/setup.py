"""Builds the slogrotate package. Where Go is present and the command's
source is beside this directory (a clone of the repository), the build
compiles the command into the package (slogrotate/bin/slogrotate) and the
wheel is marked for this platform; otherwise the package is pure Python
and finds the command through $SLOGROTATE_COMMAND or PATH."""

import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

CMD = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "cmd", "slogrotate")


def _go():
    go = shutil.which("go")
    return go if go and os.path.isfile(os.path.join(CMD, "main.go")) else None


class BuildWithCommand(build_py):
    def run(self):
        super().run()
        go = _go()
        if go is None:
            self.announce("slogrotate: no Go or no command source; building without the command",
                          level=3)
            return
        out = os.path.abspath(os.path.join(self.build_lib, "slogrotate", "bin", "slogrotate"))
        # go -C builds in the command's own directory, whether it is a
        # package of the repository's module or a module of its own.
        subprocess.run([go, "-C", CMD, "build", "-trimpath", "-o", out, "."], check=True,
                       env=go_env())


def go_env():
    """The environment for go, without a -mod flag in GOFLAGS: the
    command's workspace (its go.work) refuses -mod=mod, which a CI may set
    for the repository's root module."""
    env = dict(os.environ)
    flags = env.get("GOFLAGS", "").split()
    env["GOFLAGS"] = " ".join(f for f in flags if not f.startswith("-mod="))
    return env


class PlatformDistribution(Distribution):
    def has_ext_modules(self):
        return _go() is not None  # a wheel holding a native program


setup(cmdclass={"build_py": BuildWithCommand}, distclass=PlatformDistribution)
