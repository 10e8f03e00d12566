"""Weapon-target assignment (placeholder, completed below)."""
