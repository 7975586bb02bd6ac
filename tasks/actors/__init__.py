"""Actor modules, one per domain. All are imported when Django starts (tasks.apps), so the web process
can `.send()` them and `rundramatiq` registers them."""
