from portal.models import Base, load_all
from servicekit.db import KitBase
from servicekit.migrations import run_env

load_all()  # registers every table
run_env([Base.metadata, KitBase.metadata])
