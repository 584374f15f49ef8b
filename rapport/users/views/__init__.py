"""The users app's HTML views, one module per area."""
