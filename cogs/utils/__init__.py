"""Shared helpers for the cogs (checks, rendering, buttons); no module here is an extension."""
