"""`make run`'s development server: Django's runserver (through WhiteNoise's, which leaves static files to the
app) with a listen backlog that takes a burst of connections. Listed before ``whitenoise.runserver_nostatic``
in INSTALLED_APPS so that its ``runserver`` is the one ``manage.py`` finds."""
