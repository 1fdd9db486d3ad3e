"""A small Django app whose migrations and models run against Borealis through AWS's
aurora-dsql-django backend (see tests/compat/test_django.py)."""
