"""Borealis."""
