"""Alipay payment: pay, return, notify, query, refund, and the offline sandbox gateway (SPEC F1-F7)."""
