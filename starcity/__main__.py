import sys

from starcity.cli import main

sys.exit(main())
