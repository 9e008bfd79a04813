"""The documentation site (kept for ``from itops.docs import build_site``; the code is in :mod:`itops.docsite`)."""

from __future__ import annotations

from itops.docsite import build_site

__all__ = ["build_site"]
