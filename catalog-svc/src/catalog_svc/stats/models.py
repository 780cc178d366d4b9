"""The statistics tables are created by migration 0003 and reached with SQL in ``stats/repository.py``:
``stats_dossiers`` is LIST-partitioned by generation (partitions created and dropped at run time), which
the ORM does not model. Nothing to register on ``Base.metadata``."""
