import logging
import os

from django.http import HttpResponse
from django.urls import path

log = logging.getLogger("app")


def index(request):
    """Logs one line for the request id."""
    log.info("request rid=%s", request.GET.get("rid", ""))
    return HttpResponse("%d\n" % os.getpid(), content_type="text/plain")


def boom(request):
    """Raises: django.request logs the traceback, the client gets 500."""
    raise ValueError("boom rid=%s" % request.GET.get("rid", ""))


urlpatterns = [path("", index), path("boom", boom)]
