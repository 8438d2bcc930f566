"""`python -m hmipviz` does what the `hmipviz` console script does."""

from hmipviz.cli import main

raise SystemExit(main())
