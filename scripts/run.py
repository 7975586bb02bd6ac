"""`make run`: the whole shop on embedded defaults, every Procfile process wired.

Starts Redis (REDIS_URL if set, otherwise the embedded redis-server with its data under var/redis),
runs the release step (`manage.py release`: migrate under a lock), loads the demo catalog once, prints the
admin credentials, then runs web, worker and scheduler from the Procfile under honcho (scripts/procfile.py:
honcho with a STOP_TIMEOUT, default 30 s, instead of its fixed 5 s before SIGKILL). Ctrl-C stops them all
gracefully, Redis last. `--skip-setup` starts the processes only (no release step, no demo data).

Every process gets the same ALIPAY_SANDBOX_SITE_URL (the web process's address): honcho gives each process
its own PORT, and the worker's refunds and trade queries must reach the sandbox on the web process.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.embedded_redis import EmbeddedRedis  # noqa: E402

EMBEDDED_REDIS_PORT = 6390


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the whole shop: Redis, release step, Procfile processes.")
    parser.add_argument("--skip-setup", action="store_true", help="no release step and no demo data")
    options = parser.parse_args(argv)
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.setdefault("PORT", "8000")
    env.setdefault("ALIPAY_SANDBOX_SITE_URL", f"http://127.0.0.1:{env['PORT']}")
    env.setdefault("STOP_TIMEOUT", "30")
    env["PYTHONUNBUFFERED"] = "1"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    redis = None
    if not env.get("REDIS_URL"):
        redis = EmbeddedRedis(port=EMBEDDED_REDIS_PORT, data_dir=BASE_DIR / "var" / "redis").start()
        env["REDIS_URL"] = redis.url
        print(f"==> embedded Redis on {redis.url}", flush=True)
    try:
        if not options.skip_setup:
            manage("release", env=env)
            manage("load_demo", env=env)
        credentials = BASE_DIR / "var" / "admin-credentials.txt"
        if credentials.exists():
            print(f"==> admin: http://127.0.0.1:{env['PORT']}/admin/  {credentials.read_text().strip()}", flush=True)
        print(f"==> shop:  http://127.0.0.1:{env['PORT']}/", flush=True)
        honcho = subprocess.Popen(
            [
                sys.executable,
                "scripts/procfile.py",
                "start",
                "-f",
                "Procfile",
                "-p",
                env["PORT"],
                "web",
                "worker",
                "scheduler",
            ],
            cwd=BASE_DIR,
            env=env,
        )
        # Ctrl-C reaches honcho directly (same process group); a SIGTERM to this script is passed on.
        signal.signal(signal.SIGTERM, lambda *_: honcho.terminate())
        while True:
            try:
                return honcho.wait()
            except KeyboardInterrupt:
                continue
    finally:
        if redis:
            redis.stop()


if __name__ == "__main__":
    sys.exit(main())
