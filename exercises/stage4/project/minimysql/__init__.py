"""minimysql: a small relational database, built one checkpoint at a time in Stage 4.

storage.py is given complete; every other module is one exercise (see the stage's DESIGN.md).
"""
