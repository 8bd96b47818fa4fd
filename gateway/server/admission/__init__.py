"""Admission: what a record must be, signature workers, caller identity."""
