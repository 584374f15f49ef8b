from django.http import HttpRequest
from ninja import Router

from .schemas import MeOut

router = Router(tags=["users"])


@router.get("/me", response=MeOut, operation_id="me_get", summary="The signed-in user and their permissions")
def me_get(request: HttpRequest):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "time_zone": user.time_zone,
        "team": user.team,
        "role": user.role,
        "scopes": user.role.scopes if user.role else {},
        "features": user.role.features if user.role else [],
        "last_login": user.last_login,
    }
