"""Settings split: base (shared, no secrets), local (embedded defaults), test, production."""
