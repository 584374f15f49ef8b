from django.urls import reverse


def navigation(request):
    """The main navigation; areas of later issues appear as their apps arrive."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    items = [("Dashboard", reverse("dashboard"), "dashboard")]
    return {"nav_items": items}
