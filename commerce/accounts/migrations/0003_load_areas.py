"""Load the provinces, cities and districts of mainland China (commerce/accounts/data/areas.json, A9)."""

import json
from pathlib import Path

from django.db import migrations

AREAS_FILE = Path(__file__).resolve().parent.parent / "data" / "areas.json"


def load_areas(apps, schema_editor):
    Area = apps.get_model("accounts", "Area")
    rows = json.loads(AREAS_FILE.read_text(encoding="utf-8"))
    existing = set(Area.objects.using(schema_editor.connection.alias).values_list("id", flat=True))
    # Rows are ordered provinces, cities, districts, so every parent exists before its children.
    Area.objects.using(schema_editor.connection.alias).bulk_create(
        [Area(id=code, name=name, parent_id=parent) for code, name, parent in rows if code not in existing],
        batch_size=500,
    )


def unload_areas(apps, schema_editor):
    Area = apps.get_model("accounts", "Area")
    db = schema_editor.connection.alias
    # Children first: the parent foreign key is PROTECT.
    for digits in (9, 6, 4, 2):
        Area.objects.using(db).filter(id__gte=10 ** (digits - 1)).filter(id__lt=10**digits).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_areas_addresses_default_address")]

    operations = [migrations.RunPython(load_areas, unload_areas, elidable=False)]
