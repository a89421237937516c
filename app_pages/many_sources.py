"""Many sources: three to eight spaces on the same words, small-multiple rings and K x K comparisons."""

import streamlit as st

from ui.many import MIN_SOURCES, matrix_section, pick_sources, ring_grid
from ui.page import page_header
from ui.spaces import benchmark_section
from ui.views import colour_domain, compute_panels

ch = page_header(
    "Many sources",
    "The same words on one small ring per source, at the same positions and on one colour scale; "
    "below, every pair of sources compared (RSA with a Mantel test, edge and neighbour agreement).",
)
specs = pick_sources(ch)
if len(specs) < MIN_SOURCES:
    st.info(f"Pick at least {MIN_SOURCES} sources.")
    st.stop()
panels = compute_panels(ch, [(str(i), spec) for i, spec in enumerate(specs, 1)])
domain = colour_domain(panels, True)
ring_grid(panels, ch, domain)
matrix_section(panels, ch, domain)
benchmark_section(specs)
