"""The shop's domains, one Django app each. Arrows: catalog <- cart <- orders -> payments; accounts is
used by all of them."""
