"""Registrations of the worker side (points, rankings)."""
