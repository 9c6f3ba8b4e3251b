"""dlcore: everything in the app that is not UI.

This package never imports Streamlit. Pages call one experiment
(`dlcore.experiments.<concept>.run(config, progress)`) and draw the plain
data it returns with the builders in `dlcore.plots`.
"""
