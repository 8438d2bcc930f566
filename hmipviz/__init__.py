"""hmipviz: an interactive visualiser and teaching tool for Hierarchical Mobile IPv6."""

__version__ = "0.1.0"
