import interop_svc.models  # noqa: F401  (registers every table)
from interop_svc.models import Base
from servicekit.db import KitBase
from servicekit.migrations import run_env

run_env([Base.metadata, KitBase.metadata])
