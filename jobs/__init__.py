"""Spark job entry points: each parses its arguments, builds Settings and composes core functions."""
