"""The shop's domains, one Django app each. Arrows (checked by lint-imports, docs/architecture.md): accounts and
catalog at the bottom, then cart, orders, then payments and flashsales. The modules beside the apps (errors,
jobs, live, mail, sql, links, jsonbody) are shared by all of them and import none."""
