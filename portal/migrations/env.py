from portal.models import Base, import_all
from servicekit.db import KitBase
from servicekit.migrations import run_env

import_all()
run_env([Base.metadata, KitBase.metadata])
