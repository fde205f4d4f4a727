"""Deterministic demo data: a complete, realistic landing directory (SPEC section 1)."""

from ingest.demo.generator import generate_landing

__all__ = ["generate_landing"]
