"""Watches and alerts: evaluation and their database."""
