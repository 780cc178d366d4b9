#!/bin/sh
# Migrate this service's database, then serve it. $1 is the Python package of the service.
set -e
pkg="${1:-gateway}"
python -m "$pkg" migrate
exec python -m "$pkg" serve
