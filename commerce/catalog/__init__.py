"""Categories, channels, brands, SPUs, SKUs and their specifications; stock changes, hot sellers and
per-category visit counts."""
