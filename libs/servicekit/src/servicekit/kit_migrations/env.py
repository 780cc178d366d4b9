"""The kit's own migrations (outbox, inbox, idempotency): run before each service's, on the same database,
with their own version table (``kit_alembic_version``), so the kit's tables change without touching any
service's migrations."""

import servicekit.audit
import servicekit.idempotency  # noqa: F401  (registers kit_idempotency on KitBase.metadata)
from servicekit.db import KitBase
from servicekit.migrations import KIT_VERSION_TABLE, run_env

run_env(KitBase.metadata, version_table=KIT_VERSION_TABLE)
