"""/api/v1/ routes (being built)."""

from ninja import Router

router = Router()
