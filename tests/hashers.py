from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with tiny costs: the same algorithm and code path as production, fast enough for tests."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1
