from servicekit.db import KitBase
from servicekit.migrations import run_env
from workflow_svc.models import Base, load_all

load_all()  # registers every table
run_env([Base.metadata, KitBase.metadata])
