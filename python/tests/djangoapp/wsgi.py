import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangoapp.settings")
application = get_wsgi_application()

# Logged where the app is loaded: in the server's master process before the
# fork (uwsgi without --lazy-apps, gunicorn --preload), so that the workers
# inherit a handler that has a command.
logging.getLogger("app").info("loaded")
