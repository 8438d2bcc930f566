# Facade kept for one release: lesson fields and converters moved to hmipviz.lesson.fields.
from hmipviz.lesson.fields import *  # noqa: F403
