"""Plotly figure builders: plain data in, ``go.Figure`` out.

``style`` holds the shared visual vocabulary; one module per kind of figure.
"""
