"""Wagtail pages (home page), blocks, site settings and the static-page build."""
