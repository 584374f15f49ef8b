import pytest

from rapport.users import access
from rapport.users.models import Role
from tests.factories import TeamFactory, UserFactory, role

pytestmark = pytest.mark.django_db


def test_builtin_roles_exist_with_a_scope_for_every_object_type():
    keys = set(Role.objects.filter(is_builtin=True).values_list("key", flat=True))
    assert keys == {"admin", "manager", "sales_rep", "marketer", "support_agent", "read_only"}
    for r in Role.objects.all():
        assert set(r.scopes) == set(access.OBJECT_TYPES)


def test_team_scope_reaches_team_members_and_self_only():
    red, blue = TeamFactory(name="Red"), TeamFactory(name="Blue")
    manager = UserFactory(team=red, role=role("manager"))
    mate = UserFactory(team=red)
    other = UserFactory(team=blue)
    from rapport.users.models import User

    writable = access.scoped(User.objects.all(), actor=manager, object_type="user", operation="write")
    assert set(writable) == {manager, mate}
    assert other not in writable
    assert access.can(manager, mate, "write")
    assert not access.can(manager, other, "write")


def test_inactive_user_has_no_access():
    admin = UserFactory(role=role("admin"), is_active=False)
    assert access.scope_of(admin, "user", "read") == "none"
