"""Page layouts (layout only; callbacks live in dashboard/callbacks/)."""
