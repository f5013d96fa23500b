"""Demo data for development (`make run`, `manage.py seed_demo`): installed by the dev and test settings only.

The top of the app order: it imports the services and models of every other app, and nothing imports it.
"""
