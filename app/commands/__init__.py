"""Slash commands in issue and pull request comments."""
