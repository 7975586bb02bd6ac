"""Orders in the Wagtail admin (SPEC I), split by what each module does:

- ``policies``: who may do what (read-only and no-delete permission policies, the permission names);
- ``filters``: the listings' filter sets;
- ``forms``: the coupon form and the small forms of the order actions (ship, cancel, note);
- ``views``: the order pages (detail, ship, bulk ship, packing slip, note, cancel) and the two hooks other apps
  plug into;
- ``dashboard``: the 运营概况 page, its CSV export and the admin home panel;
- ``charts``: bar-chart geometry for the inline SVG;
- ``customers`` / ``comments``: the 顾客 and 商品评价 pages.

The viewsets and menu are registered in ``commerce/orders/wagtail_hooks.py``.
"""
