"""The cron schedule run by the `scheduler` process (`manage.py crontab`, from dramatiq-crontab).
Each entry only enqueues an actor; the worker does the work."""

from dramatiq_crontab import cron

from tasks.actors.catalog import flush_visits_task
from tasks.actors.cms import publish_scheduled_pages_task
from tasks.actors.orders import sweep_unpaid_orders_task
from tasks.actors.payments import sweep_awaiting_payments_task
from tasks.actors.search import refresh_search_index_task
from tasks.actors.static_pages import build_all_static_pages_task, build_home_page_task

# SPEC E5: the safety net behind each order's delayed timeout message.
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
