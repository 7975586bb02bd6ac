import importlib
import pkgutil

from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    label = "tasks"

    def ready(self) -> None:
        from tasks import actors

        for module in pkgutil.iter_modules(actors.__path__):
            importlib.import_module(f"{actors.__name__}.{module.name}")
        importlib.import_module("tasks.schedule")
