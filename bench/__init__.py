"""UnionHub's load and scale benchmarks (not part of the test suite).

``python -m bench all --scale small|medium|district|large`` builds (or reuses) a data set of
that scale in its own PostgreSQL database, starts the platform as production runs it
(gunicorn sync workers, production settings, persistent connections, Redis), drives load from
a separate process with ``wrk`` and ``pgbench``, measures the ceilings in the same run, and
writes ``bench/results/<stamp>-<scale>.json`` and ``.md``; a district run updates the rows it
measured in the current table of ``BENCHMARKS.md`` (``bench/current.json``, see ``bench/results.py``).
"""
