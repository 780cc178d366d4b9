from gateway.identity.models import Base
from servicekit.db import KitBase
from servicekit.migrations import run_env

run_env([Base.metadata, KitBase.metadata])
