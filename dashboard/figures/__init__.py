"""Pure figure builders: frames and a ViewState in, go.Figure out. No dash import here."""
