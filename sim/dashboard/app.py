"""The dashboard's pages (the Solara app that ``sim dashboard`` serves): compare a tweaked
scenario live, open a results folder, follow one run in Mesa's SolaraViz."""

from __future__ import annotations

import solara
import solara.lab

from sim.dashboard.compare import ComparePage
from sim.dashboard.html import Styles
from sim.dashboard.results import ResultsPage
from sim.dashboard.single import SingleRunPage

TITLE = "TikTok refugees · scenario dashboard"

@solara.component
def Layout(children=()):
    """Solara's app layout, with the pages as tabs named in words."""
    current, pages = solara.use_route()
    router = solara.use_router()

    def go(index: int) -> None:
        path = pages[index].path
        router.push("/" if path == "/" else f"/{path}")

    tabs = solara.lab.Tabs(value=pages.index(current) if current in pages else 0, on_value=go,
                           align="center", background_color="primary", dark=True,
                           children=[solara.lab.Tab(page.label) for page in pages])
    with solara.AppLayout(children=list(children), title=TITLE), solara.AppBar():
        solara.display(tabs)
        Styles()


routes = [
    solara.Route(path="/", component=ComparePage, label="Compare scenarios", layout=Layout),
    solara.Route(path="results", component=ResultsPage, label="Open results"),
    solara.Route(path="run", component=SingleRunPage, label="One run (Mesa SolaraViz)"),
]
