"""Object types of the activities app. Interactions and notes follow the records they concern (see
``selectors``); tasks are owned by their assignee."""

from rapport.users.access import register

register("task", "Tasks", owner_path="assignee", team_path="team")
