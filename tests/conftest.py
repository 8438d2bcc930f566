"""Shared test set-up: tests/ is on sys.path (pytest's rootdir conftest rule), so test
modules can import the helper module ``nets``."""
