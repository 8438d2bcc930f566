# Facade kept for one release: the lesson file format moved to hmipviz.lesson.format.
from hmipviz.lesson.format import *  # noqa: F403
