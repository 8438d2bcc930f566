"""`python -m hmipviz` does what the `hmipviz` console script does (hmipviz.entry: the
window's re-execution on the system allocator is decided before the CLI is imported)."""

from hmipviz.entry import main

raise SystemExit(main())
