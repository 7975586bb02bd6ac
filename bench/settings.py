"""Benchmark settings: production settings unchanged, plus one middleware that counts SQL queries.

`bench.counters.CountersMiddleware` goes first, so it sees every request (static files and pre-rendered pages
included) and answers `GET /__bench__/counters` with the process's SQL query count; the benchmark reads it
before and after each line. Nothing here is used outside bench/.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import MIDDLEWARE

MIDDLEWARE = ["bench.counters.CountersMiddleware", *MIDDLEWARE]
