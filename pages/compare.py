"""Compare: two sources side by side on the same words, same ring positions."""
import streamlit as st

from ui.page import page_header
from ui.panels import degree_section, ring_panel
from ui.views import colour_domain, compute_panels

ch = page_header(
    "Compare two sources",
    "The same words on two rings, in the same order. A trained space links words of "
    "a category to each other; random vectors keep about as many edges, without structure.",
)
panels = compute_panels(ch, [("A", ch.state.a), ("B", ch.state.b)])
domain = colour_domain(panels, ch.state.colour == "shared")
for column, panel in zip(st.columns(2, gap="large"), panels):
    with column:
        ring_panel(panel, ch, domain)
degree_section(panels)

# Further analyses (issue 5) go below this line.
