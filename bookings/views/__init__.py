"""The booking pages, one module per aggregate (meetings, search and calendars, orders, series)."""
