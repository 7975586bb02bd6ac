"""The cron schedule run by the `scheduler` process (`manage.py crontab`, from dramatiq-crontab).
Each entry only enqueues an actor; the worker does the work."""
