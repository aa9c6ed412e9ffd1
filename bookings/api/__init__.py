"""The booking API (Django REST framework) under /api/: the same services, access helpers and
visibility policy as the clerk's pages, and no logic of its own."""
