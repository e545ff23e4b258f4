"""QR credential badges (issue 6): filled in by the badges feature."""

app_name = "badges"

urlpatterns: list = []
