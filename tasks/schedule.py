"""The cron schedule run by the `scheduler` process (`manage.py crontab`, from dramatiq-crontab).
Each entry only enqueues an actor; the worker does the work."""

from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from dramatiq_crontab import cron, scheduler

from tasks.actors.catalog import flush_visits_task, low_stock_alert_task
from tasks.actors.cms import publish_scheduled_pages_task
from tasks.actors.durable import dispatch_due_jobs_task
from tasks.actors.flashsales import reload_flash_gates_task
from tasks.actors.orders import sweep_unpaid_orders_task
from tasks.actors.payments import sweep_awaiting_payments_task
from tasks.actors.search import refresh_search_index_task
from tasks.actors.static_pages import build_all_static_pages_task, build_home_page_task

# SPEC H: the recovery path of every delayed job (durable jobs, refunds, stock pushes, order timeouts), on the
# wall clock every DURABLE_DISPATCH_SECONDS (a divisor of 60), so every scheduler agrees on the slots.
_DISPATCH_SECONDS = int(settings.DURABLE_DISPATCH_SECONDS)
if _DISPATCH_SECONDS < 1 or 60 % _DISPATCH_SECONDS:
    raise ImproperlyConfigured(f"DURABLE_DISPATCH_SECONDS={_DISPATCH_SECONDS} must divide 60 (5, 10, 15, 20, 30)")
scheduler.add_job(
    dispatch_due_jobs_task.send,
    CronTrigger(second=f"*/{_DISPATCH_SECONDS}", timezone=timezone.get_default_timezone()),
    name=dispatch_due_jobs_task.actor_name,
)

# SPEC E5: the safety net behind each order's delayed timeout message (the dispatch tick runs it too).
cron("* * * * *")(sweep_unpaid_orders_task)

# SPEC B6: the static home page follows price and name edits shown in its floors; every SKU page nightly
# (hot sellers, sales and comment counts change without an editor touching the SKU).
cron("*/5 * * * *")(build_home_page_task)
cron("30 3 * * *")(build_all_static_pages_task)

# SPEC C1: sales (a sort key) change through orders without a save signal: refresh every document nightly.
cron("0 4 * * *")(refresh_search_index_task)

# SPEC B3: editors schedule go-live and expiry times on pages; Wagtail needs this run to honour them.
cron("* * * * *")(publish_scheduled_pages_task)

# SPEC F4: ask Alipay about orders sent to the cashier that neither a notify nor a return settled.
cron("*/2 * * * *")(sweep_awaiting_payments_task)

# SPEC B4: product page visits are counted in Redis; move them into the dashboard's table.
cron("* * * * *")(flush_visits_task)

# SPEC I: the daily low-stock mail to staff (09:00 Beijing; the dashboard lists the same SKUs live).
cron("0 9 * * *")(low_stock_alert_task)

# Issue 17: a running flash sale whose gate Redis lost (restart without AOF) answers "paused" until reloaded.
cron("* * * * *")(reload_flash_gates_task)
