import intake_svc.models  # noqa: F401  (registers every table)
from intake_svc.models import Base
from servicekit.db import KitBase
from servicekit.migrations import run_env

run_env([Base.metadata, KitBase.metadata])
