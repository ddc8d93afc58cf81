"""Web accounts: enterprise users and staff, password hashing, signed-cookie sessions, CSRF, login rate limits."""
