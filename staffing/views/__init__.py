"""The staffing pages, one module per aggregate."""
