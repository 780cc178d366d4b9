import workflow_svc.models  # noqa: F401  (registers every table)
from servicekit.db import KitBase
from servicekit.migrations import run_env
from workflow_svc.models import Base

run_env([Base.metadata, KitBase.metadata])
