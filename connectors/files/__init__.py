"""Readers of recorded inputs: Tardis.dev normalized CSV and news JSON lines."""
