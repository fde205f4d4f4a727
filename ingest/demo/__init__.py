"""Deterministic demo data: a complete, realistic landing directory (SPEC section 1).

`generate_landing` returns rows per file; `generate` also reports how many of each planted
situation (invoice errors, short pays, unmapped accounts, ...) the data holds.
"""

from ingest.demo.generator import DemoLanding, generate, generate_landing

__all__ = ["DemoLanding", "generate", "generate_landing"]
