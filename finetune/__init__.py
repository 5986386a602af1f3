"""Preference data for the hint model: buggy beginner programs, real tracebacks, hints."""
