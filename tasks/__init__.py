"""Dramatiq actors, one module per domain under tasks.actors, and the cron schedule (tasks.schedule).
Actors are thin: they take ids, call a service and are safe to run twice."""
