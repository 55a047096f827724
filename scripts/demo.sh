#!/usr/bin/env bash
# The demo: set-up, then husk itself. Later it runs the seed's pods for real.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
husk version
