"""HTML writers: the report as a portal page, and a county batch's summary page."""
