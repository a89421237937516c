"""Streamlit helpers of the Cosine Rings app (pages stay thin; ``lib`` never imports streamlit)."""
