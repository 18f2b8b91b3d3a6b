"""tradeboard dashboard: Dash + Plotly over data/clean/ only."""
