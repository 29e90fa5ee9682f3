"""SWAI: a self-grading course from CRUD engineer to architect."""

__version__ = "0.1.0"
