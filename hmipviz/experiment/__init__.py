"""`hmipviz experiment`: many independent runs of a scenario over a grid of settings
and seeds, the figures read off their traces, and the closed-form model beside them.

No Qt and no scapy here (figures live in hmipviz/gui/experiment_figures.py); the
package is importable in worker processes and on machines without a display.
"""
