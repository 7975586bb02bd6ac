"""Management commands of the cms app (demo loading, staff groups)."""
