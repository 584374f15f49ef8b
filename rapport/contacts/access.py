"""Object types of the contacts app."""

from rapport.users.access import register

register("contact", "Contacts", owner_path="owner", team_path="team")
register("company", "Companies", owner_path="owner", team_path="team")
