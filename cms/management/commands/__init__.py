"""`manage.py load_demo` and `manage.py setup_groups`."""
