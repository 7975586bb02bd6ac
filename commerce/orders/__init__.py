"""Checkout, oversell-proof order placement, order states and timeouts, comments, coupons and points
(SPEC E1-E8)."""
