"""Thanh Hóa sample data: layer definitions and a deterministic, seeded generator of features."""
