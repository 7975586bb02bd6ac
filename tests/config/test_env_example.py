"""`.env.example` lists every environment variable the settings read (ARCHITECTURE "Settings")."""

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
READS = re.compile(r"""(?:env(?:\.\w+)?\(\s*f?|os\.environ(?:\.get)?[\[(]\s*)["']([A-Z][A-Z0-9_]*)["']""")


def variables_read_by_settings() -> set[str]:
    names: set[str] = set()
    for path in (BASE_DIR / "config" / "settings").glob("*.py"):
        names |= set(READS.findall(path.read_text(encoding="utf-8")))
    return names


def variables_listed() -> set[str]:
    text = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_the_scan_finds_the_settings_reads():
    found = variables_read_by_settings()
    assert {"DATABASE_URL", "REDIS_SENTINELS", "TRUSTED_PROXIES", "DATABASE_POOL_MAX"} <= found


def test_env_example_lists_every_variable_the_settings_read():
    missing = variables_read_by_settings() - variables_listed()
    assert not missing, f"add to .env.example: {sorted(missing)}"
