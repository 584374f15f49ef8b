"""Pages of the data hub. Each views module declares its own ``urlpatterns``."""

from .views import companies, contacts, exports, imports, search, settings

urlpatterns = [
    *contacts.urlpatterns,
    *companies.urlpatterns,
    *imports.urlpatterns,
    *exports.urlpatterns,
    *search.urlpatterns,
    *settings.urlpatterns,
]
