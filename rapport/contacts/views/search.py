"""Pages (being built)."""

urlpatterns = []
