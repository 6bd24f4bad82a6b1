"""The dashboard (``sim dashboard``, ``make dashboard``): a scenario's parameters as sliders, its
trajectories against the scenario as loaded and the baseline, recomputed in the background as they
change; results folders; one run day by day in Mesa's own SolaraViz.

Modules, in the order data flows: :mod:`~sim.dashboard.fields` (the parameter panel, read off the
scenario schema), :mod:`~sim.dashboard.tweaks` (the user's changes as a scenario file that
``extends`` the one loaded), :mod:`~sim.dashboard.engine` (replicates on a process pool, stale ones
cancelled), :mod:`~sim.dashboard.views` (the project's figures and summary table of those runs),
then the Solara pages (:mod:`~sim.dashboard.app` and the modules it composes) and
:mod:`~sim.dashboard.serve` (the server). Only the command line imports this package; it needs the
optional ``[dashboard]`` extra (Solara), and nothing else in ``sim`` needs it.
"""
